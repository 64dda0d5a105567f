package awsmig_test

import (
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/awsmig"
)

// TestSpecFieldErrors: a value of the wrong type is named by its field's path and what the
// field holds; regions must exist; DMS ARNs are in the target's region; dms.lob is checked and
// defaults to DMS's own (limited, 32 KB).
func TestSpecFieldErrors(t *testing.T) {
	const base = "name: x\nregion: eu-west-1\nsource: {instance: a}\ntarget: {instance: b, kms_key: alias/k}\n"
	const dms = "dms:\n  replication_instance_arn: arn:aws:dms:%s:123456789012:rep:R\n  source_endpoint_arn: arn:aws:dms:eu-west-1:123456789012:endpoint:S\n  target_endpoint_arn: arn:aws:dms:eu-west-1:123456789012:endpoint:T\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"ttl as a duration", base + "dns:\n  hosted_zone_id: Z1\n  record: db.example.com\n  ttl: \"60s\"\n", `line 8: dns.ttl: "60s" is not a number of seconds`},
		{"ttl in flow style", base + "dns: {hosted_zone_id: Z1, record: db.example.com, ttl: 1m}\n", `line 5: dns.ttl: "1m" is not a number of seconds`},
		{"poll as a number", base + "wait:\n  poll: 5\n", `line 6: wait.poll: "5" is not a duration (e.g. 30s, 5m, 4h)`},
		{"security groups as a string", "name: x\ntarget:\n  security_groups: sg-1\n", `line 3: target.security_groups: "sg-1" is not a list of strings`},
		{"section as a list", "name: x\nsource: [a]\n", "line 2: source: a list is not a mapping (the source section)"},
		{"lob size as text", base + strings.ReplaceAll(dms, "%s", "eu-west-1") + "  lob: {mode: limited, max_size_kb: big}\n", `dms.lob.max_size_kb: "big" is not a number of kilobytes`},
		{"misspelt region", strings.Replace(base, "eu-west-1", "eu-wset-1", 1), `region: "eu-wset-1" is not an AWS region: did you mean eu-west-1?`},
		{"no such region", strings.Replace(base, "eu-west-1", "mars-north-7", 1), `region: "mars-north-7" is not an AWS region name`},
		{"DMS ARN of another region", base + strings.ReplaceAll(dms, "%s", "us-east-1"), "dms.replication_instance_arn: the ARN is in us-east-1, but the DMS task runs in the target's region eu-west-1"},
		{"snapshot ARN of another region", strings.Replace(base, "source: {instance: a}", "source: {instance: a, snapshot: 'arn:aws:rds:us-east-1:123456789012:snapshot:s1'}", 1), "source.snapshot: the ARN is in us-east-1, but the source is in eu-west-1"},
		{"LOB mode", base + strings.ReplaceAll(dms, "%s", "eu-west-1") + "  lob: {mode: huge}\n", `dms.lob.mode: "huge" is not limited, full or inline`},
		{"LOB size", base + strings.ReplaceAll(dms, "%s", "eu-west-1") + "  lob: {max_size_kb: 200000}\n", "dms.lob.max_size_kb: 200000 is outside 1..102400"},
	} {
		_, err := awsmig.ParseSpec([]byte(c.yaml), "x.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	s, err := awsmig.ParseSpec([]byte(base+strings.ReplaceAll(dms, "%s", "eu-west-1")), "x.yaml")
	if err != nil || s.DMS.LOB.Mode != "limited" || s.DMS.LOB.MaxSizeKB != 32 {
		t.Errorf("LOB defaults: %+v, %v", s, err)
	}
	// A region newer than this build's list, in a partition's pattern, is accepted.
	if _, err := awsmig.ParseSpec([]byte(strings.Replace(base, "eu-west-1", "ap-southwest-9", 1)), "x.yaml"); err != nil {
		t.Errorf("new region: %v", err)
	}
}
