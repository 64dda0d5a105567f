package awsmig

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WritePlan prints every step of the spec with the AWS calls it may make, and, given a state,
// where each step stands. It calls nothing and changes nothing. redact masks secrets in DSNs;
// nil leaves the DSNs out.
func WritePlan(w io.Writer, s *Spec, st *State, redact func(string) string) error {
	var b strings.Builder
	n := s.Names()
	fmt.Fprintf(&b, "Migration %s: %s in %s -> encrypted ", s.Name, s.sourceName(), s.Region)
	if s.targetIsCluster() {
		fmt.Fprintf(&b, "cluster %s (instance %s)", s.Target.Cluster, s.Target.Instance)
	} else {
		fmt.Fprintf(&b, "instance %s", s.Target.Instance)
	}
	fmt.Fprintf(&b, " in %s\n", s.Target.Region)
	switch {
	case s.sourceIsCluster():
		// Why not a copy with the key: RDS refuses KmsKeyId when copying an unencrypted DB
		// cluster snapshot; it encrypts the cluster restored from one instead.
		b.WriteString("Aurora: the cluster is encrypted when it is restored (RestoreDBClusterFromSnapshot KmsKeyId); a cluster snapshot cannot be encrypted by copying it.\n")
		if s.crossRegion() {
			fmt.Fprintf(&b, "Cross-region: the cluster snapshot is copied from %s to %s as it is, and restored there with a key of %s.\n", s.Region, s.Target.Region, s.Target.Region)
		}
	case s.crossRegion():
		fmt.Fprintf(&b, "Cross-region: the snapshot is copied from %s to %s and encrypted with a key of %s.\n", s.Region, s.Target.Region, s.Target.Region)
	}
	if s.DMS == nil {
		b.WriteString("No dms section: the target holds the data as of the snapshot; stop writes to the source before taking it.\n")
	}
	if redact != nil {
		fmt.Fprintf(&b, "Gate: %s vs %s\n", dsnText(s.Source.DSN, redact), dsnText(s.Target.DSN, redact))
	}
	b.WriteString("\nPreflight (run first by apply, and alone by plan --check; creates nothing, lists every problem):\n")
	for _, c := range preflightCalls(s, n) {
		fmt.Fprintf(&b, "    %-15s   %s\n", "", c)
	}
	b.WriteString("\n")
	for i, sd := range stepsFor(s) {
		status := "pending"
		if st != nil {
			if ss := st.Steps[sd.name]; ss != nil {
				status = string(ss.Status)
				if ss.Status == StepDone && sd.live && !st.done(StepCutover) {
					status = "done, checked again"
				}
			}
		}
		fmt.Fprintf(&b, "%2d. %-15s [%s] %s\n", i+1, sd.name, status, sd.summary(s, n))
		for _, c := range sd.calls(s, n) {
			fmt.Fprintf(&b, "    %-15s   %s\n", "", c)
		}
	}
	writeAfterPlan(&b, s, n)
	if st != nil && st.Steps[StepCutover] != nil && !st.done(StepCutover) {
		b.WriteString("\nThe cutover was under way when the last run stopped. If the record already points at the target, apply only finishes it (records it, waits for INSYNC): nothing before it runs again, the gate included. `dbverify migrate status` reads the record.\n")
	}
	b.WriteString("\nNothing was called or changed. Run `dbverify migrate plan --check` to run the preflight, `dbverify migrate apply` to start; the cutover runs only with --cutover.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dsnText is a DSN for the plan: masked, or "(not set)".
func dsnText(dsn string, redact func(string) string) string {
	if dsn == "" {
		return "(not set)"
	}
	return redact(dsn)
}

// tagText lists the tags a step puts on what it creates.
func tagText(s *Spec, step string) string {
	var parts []string
	for _, t := range s.tags(step) {
		parts = append(parts, t.key+"="+t.value)
	}
	return strings.Join(parts, ",")
}

// waitText says how a wait polls and how long it may take.
func waitText(s *Spec, timeout time.Duration) string {
	return fmt.Sprintf("(poll %s, up to %s)", s.Wait.Poll, timeout)
}

// classText is the target's instance class for the plan.
func classText(s *Spec) string {
	if s.Target.InstanceClass != "" {
		return s.Target.InstanceClass
	}
	return "<the source's class>"
}

// restoreOptionsText lists the optional restore settings the spec gives.
func restoreOptionsText(s *Spec) string {
	var b strings.Builder
	if s.Target.SubnetGroup != "" {
		b.WriteString(" DBSubnetGroupName=" + s.Target.SubnetGroup)
	}
	if len(s.Target.SecurityGroups) > 0 {
		b.WriteString(" VpcSecurityGroupIds=" + strings.Join(s.Target.SecurityGroups, ","))
	}
	if s.Target.ParameterGroup != "" && !s.targetIsCluster() {
		b.WriteString(" DBParameterGroupName=" + s.Target.ParameterGroup)
	}
	return b.String()
}
