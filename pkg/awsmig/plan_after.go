package awsmig

import (
	"fmt"
	"strings"
)

// writeAfterPlan lists the commands that run apart from apply, with their calls: ttl before
// the window, finish and cleanup after the cutover.
func writeAfterPlan(b *strings.Builder, s *Spec, n Names) {
	call := func(c string) { fmt.Fprintf(b, "    %-15s   %s\n", "", c) }
	b.WriteString("\nApart from apply:\n")
	if d := s.DNS; d != nil {
		fmt.Fprintf(b, "    %-15s %s\n", "migrate ttl", fmt.Sprintf("hours before the window: lower the TTL of %s %s to %ds and record when; the cutover refuses (unless --force) until the old TTL has passed since", d.Record, d.Type, d.TTL))
		call(fmt.Sprintf("route53:ListResourceRecordSets HostedZoneId=%s StartRecordName=%s StartRecordType=%s MaxItems=1", d.HostedZoneID, d.Record, d.Type))
		call(fmt.Sprintf("route53:ChangeResourceRecordSets UPSERT %s %s TTL=%d (current value)", d.Record, d.Type, d.TTL))
		call("wait route53:ResourceRecordSetsChanged (INSYNC) " + waitText(s, s.Wait.DNSTimeout))
		fmt.Fprintf(b, "    %-15s %s\n", "apply --cutover", "before the gate: the source must report read-only, or none of its write counters may move for wait.gate_settle ("+s.Wait.GateSettle.String()+"); else the cutover is refused (unless --force)")
	}
	if s.DMS != nil {
		fmt.Fprintf(b, "    %-15s %s\n", "migrate finish", "after the cutover and a clean gate: stop DMS task "+n.Task)
		call("dms:DescribeReplicationTasks Filter replication-task-id=" + n.Task)
		call("dms:StopReplicationTask ReplicationTaskArn=<the task's>")
		call("wait dms:ReplicationTaskStopped " + waitText(s, s.Wait.ResourceTimeout))
		if s.DMS.Validation {
			call("dms:DescribeTableStatistics ReplicationTaskArn=<the task's> (DMS validation; also in status and the gate)")
		}
	}
	if s.DMS != nil {
		fmt.Fprintf(b, "    %-15s %s\n", "migrate status", "also reads DMS's own validation of the task's tables")
		call("dms:DescribeTableStatistics ReplicationTaskArn=<the task's>")
	}
	fmt.Fprintf(b, "    %-15s %s\n", "migrate cleanup", "after finish: without --yes list what would go; with --yes delete it: only what carries this migration's tag, and the old source last, with a final snapshot")
	if s.DMS != nil {
		call("dms:ListTagsForResource (each DMS resource: only what carries the tag is deleted)")
		call("dms:DeleteReplicationTask " + n.Task + ", then dms:DescribeReplicationTasks until it is gone")
		if s.DMS.Create != nil {
			call("dms:DeleteEndpoint " + n.SourceEndpoint + ", " + n.TargetEndpoint)
			call("dms:DeleteReplicationInstance " + n.ReplicationInstance)
		}
	}
	if s.Source.Snapshot == "" {
		if s.sourceIsCluster() {
			call("rds:DeleteDBClusterSnapshot DBClusterSnapshotIdentifier=" + n.SourceSnapshot + " (" + s.Region + ")")
		} else {
			call("rds:DeleteDBSnapshot DBSnapshotIdentifier=" + n.SourceSnapshot + " (" + s.Region + ")")
		}
	}
	if s.copiesSnapshot() {
		if s.sourceIsCluster() {
			call("rds:DeleteDBClusterSnapshot DBClusterSnapshotIdentifier=" + n.RegionCopy + " (" + s.Target.Region + ")")
		} else {
			call("rds:DeleteDBSnapshot DBSnapshotIdentifier=" + n.EncryptedSnapshot + " (" + s.Target.Region + ")")
		}
	}
	if s.sourceIsCluster() {
		call("(the old source cluster " + s.Source.Cluster + " is left to you: dbverify deletes no cluster)")
	} else {
		call("rds:DeleteDBInstance DBInstanceIdentifier=" + s.Source.Instance + " FinalDBSnapshotIdentifier=" + n.FinalSnapshot + " (the old source, last)")
	}
}
