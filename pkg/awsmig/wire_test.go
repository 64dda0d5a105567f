package awsmig_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
)

// wireApply runs the runbook once with the SDK's own clients, over HTTP, against the fake.
func (f *fixture) wireApply(t *testing.T, srv *awsmigtest.Server, s *awsmig.Spec, opt awsmig.Options) (*awsmig.Result, error) {
	t.Helper()
	st, err := awsmig.OpenState(f.statePath(), s.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if opt.Gate == nil {
		opt.Gate = &cleanGate{}
	}
	r, err := awsmig.NewRunner(s, srv.Clients(s.Region, s.Target.Region), st, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r.Apply(t.Context())
}

// TestWire: the SDK's clients and waiters, speaking RDS query/XML, KMS and DMS JSON 1.1,
// CloudWatch RPC v2 CBOR and Route 53 REST XML to the fake server, run the whole runbook:
// snapshot -> encrypted copy -> restore -> DMS -> lag -> cutover, then a failback.
func TestWire(t *testing.T) {
	f := newFixture(t)
	srv := awsmigtest.NewServer(f.cloud)
	defer srv.Close()
	s := f.spec(t)
	f.cloud.SetLag(func(n int) (float64, float64) { return max(0, 12-4*float64(n)), 2.5 })
	res, err := f.wireApply(t, srv, s, awsmig.Options{Cutover: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Ran, awsmig.StepNames(s)) {
		t.Errorf("ran %v", res.Ran)
	}
	f.checkEnd(t)
	if got := mutations(f.cloud, once); !reflect.DeepEqual(got, once) {
		t.Errorf("mutating calls: %v, want %v", got, once)
	}
	// The waiters polled through the wire.
	for op, min := range map[string]int{"DescribeDBSnapshots": 4, "DescribeDBInstances": 3, "DescribeReplicationTasks": 3, "GetChange": 2, "GetMetricData": 2} {
		if n := f.cloud.Calls(op); n < min {
			t.Errorf("%s: %d calls, want at least %d", op, n, min)
		}
	}
	for _, p := range []int{awsmigtest.ProtoQuery, awsmigtest.ProtoJSON, awsmigtest.ProtoCBOR, awsmigtest.ProtoREST} {
		if srv.Requests(p) == 0 {
			t.Errorf("protocol %d got no requests", p)
		}
	}
	note := f.state(t).Steps[awsmig.StepSync].Note
	if !strings.Contains(note, "CDC lag 4s source, 2.5s target") {
		t.Errorf("lag through CBOR: %s", note)
	}

	st, _ := awsmig.OpenState(f.statePath(), s.Name)
	r, _ := awsmig.NewRunner(s, srv.Clients(region, region), st, awsmig.Options{})
	if _, err := r.Failback(t.Context()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if v, _ := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != sourceDNS {
		t.Errorf("after failback: %s", v)
	}
}

// TestWireCrossRegion: the copy is made by the target region's client with SourceRegion,
// which the SDK turns into a presigned URL (the fake refuses a cross-region copy without one).
func TestWireCrossRegion(t *testing.T) {
	f := newFixture(t)
	const dst = "us-east-1"
	f.vars["TargetRegion"] = dst
	f.vars["KeyARN"] = f.cloud.AddKey(dst, "alias/orders-us")
	f.vars["Key"] = "alias/orders-us"
	f.vars["Rep"] = f.cloud.AddReplicationInstance(dst, "dbv-rep-us")
	f.vars["SrcEP"], f.vars["TgtEP"] = awsmigtest.EndpointARN(dst, "src"), awsmigtest.EndpointARN(dst, "tgt")
	srv := awsmigtest.NewServer(f.cloud)
	defer srv.Close()
	if _, err := f.wireApply(t, srv, f.spec(t), awsmig.Options{Cutover: true}); err != nil {
		t.Fatal(err)
	}
	f.checkEnd(t)
}

// TestWireAurora: the Aurora path over the wire, in its region and across regions, to the
// cutover: cluster snapshot, (across regions) its copy without KmsKeyId, the restore with
// KmsKeyId, the instance; the wire fake refuses the KmsKeyId copy the runbook used to make.
func TestWireAurora(t *testing.T) {
	for _, dst := range []string{region, "us-east-1"} {
		t.Run(dst, func(t *testing.T) {
			f := newFixture(t)
			srv := awsmigtest.NewServer(f.cloud)
			defer srv.Close()
			s := f.auroraSpec(t, dst)
			if _, err := f.wireApply(t, srv, s, awsmig.Options{Cutover: true}); err != nil {
				t.Fatal(err)
			}
			f.checkAurora(t)
			if got := mutations(f.cloud, auroraOnce(dst != region)); !reflect.DeepEqual(got, auroraOnce(dst != region)) {
				t.Errorf("mutating calls: %v", got)
			}
		})
	}
}

// TestWireErrors: service errors cross the wire as the SDK's typed errors, so the steps say
// the same thing as with the in-memory fake.
func TestWireErrors(t *testing.T) {
	t.Run("snapshot failed", func(t *testing.T) {
		f := newFixture(t)
		srv := awsmigtest.NewServer(f.cloud)
		defer srv.Close()
		f.cloud.FailSnapshot("dbv-orders-enc-source")
		_, err := f.wireApply(t, srv, f.spec(t), awsmig.Options{})
		if err == nil || err.Error() != "snapshot: dbv-orders-enc-source: ended in status failed" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("key in another region", func(t *testing.T) {
		f := newFixture(t)
		f.cloud.AddKey("us-east-1", "alias/elsewhere")
		f.vars["Key"] = "alias/elsewhere"
		srv := awsmigtest.NewServer(f.cloud)
		defer srv.Close()
		_, err := f.wireApply(t, srv, f.spec(t), awsmig.Options{})
		if err == nil || !strings.HasPrefix(err.Error(), "kms-key: alias/elsewhere: not found in eu-west-1, where the encrypted copy is made (a KMS key works only in its own region): Key 'alias/elsewhere' does not exist") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("task fails", func(t *testing.T) {
		f := newFixture(t)
		srv := awsmigtest.NewServer(f.cloud)
		defer srv.Close()
		f.cloud.FailTask("Last Error ODBC general error. Task error notification received")
		_, err := f.wireApply(t, srv, f.spec(t), awsmig.Options{})
		if err == nil || !strings.Contains(err.Error(), "task failed: Last Error ODBC general error. Task error notification received") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing source", func(t *testing.T) {
		f := newFixture(t)
		srv := awsmigtest.NewServer(f.cloud)
		defer srv.Close()
		s := f.spec(t)
		s.Source.Instance = "nope"
		_, err := f.wireApply(t, srv, s, awsmig.Options{})
		if err == nil || err.Error() != "snapshot: nope: source instance nope not found in eu-west-1" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no such zone", func(t *testing.T) {
		f := newFixture(t)
		f.vars["Zone"] = "ZNOSUCHZONE"
		srv := awsmigtest.NewServer(f.cloud)
		defer srv.Close()
		_, err := f.wireApply(t, srv, f.spec(t), awsmig.Options{Cutover: true})
		if err == nil || err.Error() != "cutover: db.example.com CNAME: ListResourceRecordSets: NoSuchHostedZone: No hosted zone found with ID: ZNOSUCHZONE" {
			t.Fatalf("got %v", err)
		}
	})
}

// TestWireDMSOps: dms.create, CDC-only from the restore's event, validation, then finish and
// cleanup, with the SDK's own clients and waiters over the wire.
func TestWireDMSOps(t *testing.T) {
	f := newFixture(t)
	srv := awsmigtest.NewServer(f.cloud)
	defer srv.Close()
	s := f.createSpec(t)
	s.DMS.CDCOnly, s.DMS.Validation = true, true
	if _, err := f.wireApply(t, srv, s, awsmig.Options{Cutover: true}); err != nil {
		t.Fatal(err)
	}
	f.checkCreated(t)
	if task := f.cloud.Task("dbv-orders-enc"); task.MigrationType != "cdc" || !strings.HasPrefix(task.CDCStartPosition, "mysql-bin-changelog.000024:") {
		t.Errorf("task: %+v", task)
	}
	if note := f.state(t).Steps[awsmig.StepGate].Note; !strings.Contains(note, "DMS validation: tables 3 Validated; records 0 failed") {
		t.Errorf("gate note: %s", note)
	}
	st, err := awsmig.OpenState(f.statePath(), s.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := awsmig.NewRunner(s, srv.Clients(region, region), st, awsmig.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Finish(t.Context()); err != nil {
		t.Fatal(err)
	}
	items, _, err := r.CleanupPlan(t.Context())
	if err != nil || len(items) != 7 {
		t.Fatalf("cleanup plan: %v, %v", items, err)
	}
	if err := r.Cleanup(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	f.checkCleaned(t)
}
