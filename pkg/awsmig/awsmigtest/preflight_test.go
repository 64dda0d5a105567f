package awsmigtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/smithy-go"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
)

// preWorld is a cloud seeded for the preflight calls: usable, disabled and asymmetric keys,
// an available replication instance and a modifying one, two endpoints, an instance without
// backups.
type preWorld struct {
	c                    *awsmigtest.Cloud
	key, off, rsa        string
	rep, busy            string
	source, target, gone string
}

func newPreWorld() *preWorld {
	c := awsmigtest.New()
	c.Settle(1)
	w := &preWorld{c: c, key: c.AddKey(dst, "alias/dst"), off: c.AddKey(dst, "alias/off", awsmigtest.KeyDisabled),
		rsa: c.AddKey(dst, "alias/rsa", awsmigtest.KeyAsymmetric)}
	w.rep, w.busy = c.AddReplicationInstance(dst, "rep"), c.AddReplicationInstance(dst, "busy")
	c.SetReplicationInstanceStatus(w.busy, "modifying")
	w.source, w.target = c.AddEndpoint(dst, "src", "source", "mysql"), c.AddEndpoint(dst, "tgt", "target", "mysql")
	w.gone = awsmigtest.EndpointARN(dst, "gone")
	c.AddInstance(src, "nobackup", "mysql", "db.r6g.large")
	c.SetBackupRetention(src, "nobackup", 0)
	return w
}

// preBackend is the KMS, DMS and RDS of one region, in memory or over the wire.
type preBackend struct {
	kms awsmig.KMSAPI
	dms awsmig.DMSAPI
	rds awsmig.RDSAPI
}

func preBackends(t *testing.T, w *preWorld, region string) map[string]preBackend {
	srv := awsmigtest.NewServer(w.c)
	t.Cleanup(srv.Close)
	cl := srv.Clients(region, region)
	return map[string]preBackend{
		"in-memory": {kms: w.c.KMS(region), dms: w.c.DMS(region), rds: w.c.RDS(region)},
		"wire":      {kms: cl.KMS, dms: cl.DMS, rds: cl.SourceRDS},
	}
}

func dataKey(ctx context.Context, b preBackend, key string, dryRun bool) error {
	_, err := b.kms.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(key), KeySpec: kmstypes.DataKeySpecAes256, DryRun: aws.Bool(dryRun)})
	return err
}

// preForbidden are the preflight's calls that the API reference says fail; the sentences are
// quoted in preflight.go where the fake enforces them.
var preForbidden = []struct {
	name, code string
	call       func(ctx context.Context, w *preWorld, b preBackend) error
}{
	{"GenerateDataKeyWithoutPlaintext: neither KeySpec nor NumberOfBytes", "ValidationException", func(ctx context.Context, w *preWorld, b preBackend) error {
		_, err := b.kms.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(w.key)})
		return err
	}},
	{"GenerateDataKeyWithoutPlaintext: both KeySpec and NumberOfBytes", "ValidationException", func(ctx context.Context, w *preWorld, b preBackend) error {
		_, err := b.kms.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(w.key), KeySpec: kmstypes.DataKeySpecAes256, NumberOfBytes: aws.Int32(32)})
		return err
	}},
	{"GenerateDataKeyWithoutPlaintext: a disabled key", "DisabledException", func(ctx context.Context, w *preWorld, b preBackend) error {
		return dataKey(ctx, b, w.off, true)
	}},
	{"GenerateDataKeyWithoutPlaintext: an asymmetric key", "InvalidKeyUsageException", func(ctx context.Context, w *preWorld, b preBackend) error {
		return dataKey(ctx, b, "alias/rsa", true)
	}},
	{"GenerateDataKeyWithoutPlaintext: a key the caller may not use", "AccessDeniedException", func(ctx context.Context, w *preWorld, b preBackend) error {
		w.c.DenyKey(w.key)
		return dataKey(ctx, b, w.key, true)
	}},
	{"GenerateDataKeyWithoutPlaintext: a dry run that would succeed", "DryRunOperationException", func(ctx context.Context, w *preWorld, b preBackend) error {
		return dataKey(ctx, b, "alias/dst", true)
	}},
	{"TestConnection: an endpoint that does not exist", "ResourceNotFoundFault", func(ctx context.Context, w *preWorld, b preBackend) error {
		_, err := b.dms.TestConnection(ctx, &dms.TestConnectionInput{ReplicationInstanceArn: aws.String(w.rep), EndpointArn: aws.String(w.gone)})
		return err
	}},
	{"TestConnection: a replication instance that is not available", "InvalidResourceStateFault", func(ctx context.Context, w *preWorld, b preBackend) error {
		_, err := b.dms.TestConnection(ctx, &dms.TestConnectionInput{ReplicationInstanceArn: aws.String(w.busy), EndpointArn: aws.String(w.source)})
		return err
	}},
	{"DescribeEndpoints: no endpoint matches", "ResourceNotFoundFault", func(ctx context.Context, w *preWorld, b preBackend) error {
		_, err := b.dms.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{Filters: []dmstypes.Filter{{Name: aws.String("endpoint-arn"), Values: []string{w.gone}}}})
		return err
	}},
}

// TestForbiddenPreflightCalls: each call above is refused with AWS's error code, in memory
// and over the wire to the SDK's own clients.
func TestForbiddenPreflightCalls(t *testing.T) {
	for _, fc := range preForbidden {
		t.Run(fc.name, func(t *testing.T) {
			w := newPreWorld()
			for name, b := range preBackends(t, w, dst) {
				err := fc.call(t.Context(), w, b)
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != fc.code {
					t.Errorf("%s: got %v, want error code %s", name, err, fc.code)
				}
			}
		})
	}
}

// TestAllowedPreflightCalls: a data key under a usable key; a connection test that is
// "testing", then successful; no tests yet is an empty list, not an error; a failed test
// carries its message; an instance's backup retention is described.
func TestAllowedPreflightCalls(t *testing.T) {
	for _, name := range []string{"in-memory", "wire"} {
		t.Run(name, func(t *testing.T) {
			w := newPreWorld()
			b := preBackends(t, w, dst)[name]
			ctx := t.Context()
			if err := dataKey(ctx, b, w.key, false); err != nil {
				t.Errorf("data key: %v", err)
			}
			byEndpoint := func(arn string) []dmstypes.Filter {
				return []dmstypes.Filter{{Name: aws.String("endpoint-arn"), Values: []string{arn}}, {Name: aws.String("replication-instance-arn"), Values: []string{w.rep}}}
			}
			none, err := b.dms.DescribeConnections(ctx, &dms.DescribeConnectionsInput{Filters: byEndpoint(w.source)})
			if err != nil || len(none.Connections) != 0 {
				t.Errorf("no tests yet: %+v, %v", none, err)
			}
			w.c.FailConnection(w.target, "Can't connect to MySQL server")
			for _, ep := range []string{w.source, w.target} {
				out, err := b.dms.TestConnection(ctx, &dms.TestConnectionInput{ReplicationInstanceArn: aws.String(w.rep), EndpointArn: aws.String(ep)})
				if err != nil || aws.ToString(out.Connection.Status) != "testing" {
					t.Fatalf("test %s: %+v, %v", ep, out, err)
				}
			}
			want := map[string]string{w.source: "successful", w.target: "failed"}
			for ep, status := range want {
				out, err := b.dms.DescribeConnections(ctx, &dms.DescribeConnectionsInput{Filters: byEndpoint(ep)})
				if err != nil || len(out.Connections) != 1 || aws.ToString(out.Connections[0].Status) != status {
					t.Fatalf("%s: %+v, %v; want %s", ep, out, err, status)
				}
				if status == "failed" && aws.ToString(out.Connections[0].LastFailureMessage) != "Can't connect to MySQL server" {
					t.Errorf("failed test without its message: %+v", out.Connections[0])
				}
			}
			eps, err := b.dms.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{Filters: []dmstypes.Filter{{Name: aws.String("endpoint-arn"), Values: []string{w.source}}}})
			if err != nil || len(eps.Endpoints) != 1 || eps.Endpoints[0].EndpointType != dmstypes.ReplicationEndpointTypeValueSource {
				t.Errorf("describe endpoint: %+v, %v", eps, err)
			}
			src := preBackends(t, w, src)[name]
			in, err := src.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nobackup")})
			if err != nil || aws.ToInt32(in.DBInstances[0].BackupRetentionPeriod) != 0 || in.DBInstances[0].BackupRetentionPeriod == nil {
				t.Errorf("backup retention: %+v, %v", in, err)
			}
		})
	}
}
