// Package awsmig runs the AWS side of a database migration as resumable, verified steps: the
// runbook that turns an unencrypted RDS or Aurora database into a KMS-encrypted one with
// near-zero downtime, or moves one to another region.
//
// Preflight comes first: it checks, creating nothing, everything a run needs (the key usable
// by the caller, the source's backups, free names, the DMS replication instance and endpoints
// and their connection tests, the gate's DSNs, and the source database through an injected
// SourceCheck) and lists every problem at once. The command line runs it before apply and for
// plan --check; a library caller runs it before Runner.Apply.
//
// The steps, in order (see StepNames):
//
//	kms-key         the KMS key is enabled, symmetric, and in the target's region
//	snapshot        a snapshot of the source (or the named one) is available
//	copy            an encrypted copy of it, with the key (cross-region: in the target's region);
//	                Aurora: only across regions, a copy as it is (see below)
//	restore         the target instance (or Aurora cluster + instance) restored from the copy
//	prepare-target  an injected Preparer readies the target for the full load
//	dms-resources   (dms.create only) the replication instance and endpoints, created and tagged
//	dms-task        a DMS full-load-and-cdc task (or CDC only, from the snapshot's binlog
//	                position) with the spec's table mappings and task settings runs
//	wait-sync       its full load is done and its CDC lag (CloudWatch) is under a threshold
//	gate            an injected Gate (dbverify's compare) finds the target identical
//	cutover         the Route 53 record's TTL is lowered, then it points at the target
//
// An Aurora cluster snapshot cannot be encrypted by copying it (RDS refuses KmsKeyId for an
// unencrypted one), so an Aurora cluster is encrypted by the restore, with KmsKeyId; its
// snapshot is copied only to bring it to another region.
//
// Apart from Apply: LowerTTL lowers the record's TTL hours before the window (the cutover
// refuses, unless Options.Force, until the old TTL has passed since it was lowered); before its
// gate, a run that is to cut over asks a WriteChecker whether writes to the source stopped, and
// refuses while they have not; after the cutover, Finish stops the DMS task and Cleanup deletes
// what the run created and tagged, and the old source instance last, after a final snapshot.
//
// Failback points the record back, with a warning that writes made since the cutover are only
// on the target. Once the record points at the target nothing before the cutover runs again:
// a run that stopped after switching it, before recording it, is finished by the next apply
// without gating (applications may already write to the target).
//
// A Spec (YAML, see LoadSpec) says what to migrate. Each step first describes what exists,
// then acts only if needed, waits with the SDK's waiters while reporting progress, and records
// what it found or created in a State file (written atomically, locked with flock). Resource
// names derive from the spec (see Names) and created resources are tagged, so a run that
// crashed resumes where it stopped without creating anything twice. WritePlan prints every step
// and the calls it would make without calling anything.
//
//	spec, err := awsmig.LoadSpec("orders.yaml")
//	clients, err := awsmig.NewClients(ctx, spec)
//	state, err := awsmig.OpenState("orders.state.json", spec.Name)
//	defer state.Close()
//	r, err := awsmig.NewRunner(spec, clients, state, awsmig.Options{Gate: gate, Until: awsmig.StepGate})
//	res, err := r.Apply(ctx)
//
// Each step takes the narrowest SDK client interface it needs; the SDK's clients satisfy them,
// and so do the stateful fakes of package awsmigtest, which also serves them over each
// service's wire protocol for the SDK's own clients. This package imports no database code:
// the gate and the prepare hook are interfaces, which the command line implements with package
// verify.
package awsmig
