package awsmig

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

var kmsKeyStep = &stepDef{
	name: StepKMSKey,
	summary: func(s *Spec, _ Names) string {
		return fmt.Sprintf("check that KMS key %s is enabled, symmetric and in %s, where %s", s.Target.KMSKey, s.Target.Region, s.encryptedBy())
	},
	calls: func(s *Spec, _ Names) []string {
		return []string{fmt.Sprintf("kms:DescribeKey KeyId=%s (%s)", s.Target.KMSKey, s.Target.Region)}
	},
	run: func(ctx context.Context, r *Runner) (string, error) { return checkKey(ctx, r, r.cl.KMS) },
}

// checkKey checks the KMS key the target is encrypted with (by the copy of an instance snapshot,
// by the restore of an Aurora cluster), and records its ARN: the copy and the restore name the
// key by ARN, whatever form the spec used.
func checkKey(ctx context.Context, r *Runner, api keyAPI) (string, error) {
	key, region := r.spec.Target.KMSKey, r.spec.Target.Region
	fail := func(format string, args ...any) error {
		return &StepError{StepKMSKey, key, fmt.Errorf(format, args...)}
	}
	out, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(key)})
	var nf *kmstypes.NotFoundException
	switch {
	case errors.As(err, &nf):
		return "", fail("not found in %s, where %s (a KMS key works only in its own region): %s", region, r.spec.encryptedBy(), nf.ErrorMessage())
	case err != nil:
		return "", &StepError{StepKMSKey, key, called("DescribeKey", err)}
	case out.KeyMetadata == nil:
		return "", fail("DescribeKey returned no key metadata")
	}
	md := out.KeyMetadata
	arn := aws.ToString(md.Arn)
	if kr, ok := arnRegion(arn); !ok || kr != region {
		return "", fail("is in %s (%s), but %s in %s (a KMS key works only in its own region): use a key of %s", kr, arn, r.spec.encryptedBy(), region, region)
	}
	if md.KeyState != kmstypes.KeyStateEnabled {
		return "", fail("is %s, not Enabled", md.KeyState)
	}
	if md.KeySpec != "" && md.KeySpec != kmstypes.KeySpecSymmetricDefault {
		return "", fail("is an asymmetric or HMAC key (%s); RDS encrypts only with symmetric keys (SYMMETRIC_DEFAULT)", md.KeySpec)
	}
	if md.KeyUsage != "" && md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt {
		return "", fail("has key usage %s; RDS needs ENCRYPT_DECRYPT", md.KeyUsage)
	}
	if err := r.record(func(st *State) { st.Resources.KMSKeyARN = arn }); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: enabled, symmetric, in %s", arn, region), nil
}
