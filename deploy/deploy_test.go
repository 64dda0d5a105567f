// Package deploy holds example manifests for running dbverify's sharded compare as a job array
// (a Kubernetes Indexed Job, an AWS Batch array job); its tests check them.
package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/dbverify/dbverify/internal/cli"
)

// shardsFlag finds --shards N in a command.
var shardsFlag = regexp.MustCompile(`--shards (\d+)`)

// checkFlags runs the dbverify command line of a manifest (its flags, not its servers): a flag
// dbverify does not know is a usage error that names it.
func checkFlags(t *testing.T, command string) {
	t.Helper()
	i := strings.Index(command, "dbverify compare")
	if i < 0 {
		t.Fatalf("no dbverify compare in %q", command)
	}
	var args []string
	for _, f := range strings.Fields(command[i:]) {
		if f == ">" || strings.HasPrefix(f, ">") {
			break
		}
		args = append(args, strings.Trim(f, `"`))
	}
	var out, errw bytes.Buffer
	os.Setenv("JOB_COMPLETION_INDEX", "0")
	defer os.Unsetenv("JOB_COMPLETION_INDEX")
	cli.Main(context.Background(), args, &out, &errw)
	if strings.Contains(errw.String(), "not defined") {
		t.Errorf("%s: %s", command, errw.String())
	}
}

// TestKubernetesJob: the manifest parses, field by field, into the Kubernetes API's own types
// (unknown fields refused); the shards' Job is Indexed with as many completions and pods as
// --shards says, reads its DSNs from a Secret, writes to the claim the file declares, and
// the merge Job waits for as many parts.
func TestKubernetesJob(t *testing.T) {
	data, err := os.ReadFile("kubernetes-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var jobs []batchv1.Job
	claims := map[string]bool{}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		switch meta.Kind {
		case "Job":
			var j batchv1.Job
			if err := yaml.UnmarshalStrict([]byte(doc), &j); err != nil {
				t.Fatalf("a Job: %v", err)
			}
			jobs = append(jobs, j)
		case "PersistentVolumeClaim":
			var c corev1.PersistentVolumeClaim
			if err := yaml.UnmarshalStrict([]byte(doc), &c); err != nil {
				t.Fatalf("a PersistentVolumeClaim: %v", err)
			}
			claims[c.Name] = true
		default:
			t.Fatalf("unexpected kind %q", meta.Kind)
		}
	}
	if len(jobs) != 2 {
		t.Fatalf("%d Jobs; want the shards' and the merge's", len(jobs))
	}
	shards, merge := jobs[0], jobs[1]
	c := shards.Spec.Template.Spec.Containers[0]
	command := strings.Join(append(c.Command, c.Args...), " ")
	m := shardsFlag.FindStringSubmatch(command)
	if m == nil {
		t.Fatalf("no --shards N in %q", command)
	}
	n := m[1]
	if shards.Spec.CompletionMode == nil || *shards.Spec.CompletionMode != batchv1.IndexedCompletion ||
		shards.Spec.Completions == nil || shards.Spec.Parallelism == nil || itoa(*shards.Spec.Completions) != n || itoa(*shards.Spec.Parallelism) != n {
		t.Errorf("the shards' Job: completion mode, completions and parallelism must be Indexed, %s, %s", n, n)
	}
	if !strings.Contains(command, "$JOB_COMPLETION_INDEX") || shards.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("the shards write part-$JOB_COMPLETION_INDEX.json and are not restarted in place: %q", command)
	}
	secrets := 0
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && strings.Contains(command, "$"+e.Name) {
			secrets++
		}
	}
	if secrets != 2 {
		t.Errorf("%d DSNs from Secrets; want the source's and the target's", secrets)
	}
	for _, j := range jobs {
		for _, v := range j.Spec.Template.Spec.Volumes {
			if v.PersistentVolumeClaim == nil || !claims[v.PersistentVolumeClaim.ClaimName] {
				t.Errorf("job %s: volume %s is not a claim the file declares", j.Name, v.Name)
			}
		}
	}
	mc := merge.Spec.Template.Spec.Containers[0]
	if mcmd := strings.Join(append(mc.Command, mc.Args...), " "); !strings.Contains(mcmd, "-eq "+n) || !strings.Contains(mcmd, "dbverify merge") {
		t.Errorf("the merge must wait for %s parts and merge them: %q", n, mcmd)
	}
	checkFlags(t, command)
}

// batchJobDefinition is the request of AWS Batch's RegisterJobDefinition, as far as the example
// uses it (its names as the API reference's request syntax spells them); unknown fields are
// refused.
type batchJobDefinition struct {
	JobDefinitionName    string   `json:"jobDefinitionName"`
	Type                 string   `json:"type"`
	PlatformCapabilities []string `json:"platformCapabilities"`
	ContainerProperties  struct {
		Image                string   `json:"image"`
		Command              []string `json:"command"`
		ResourceRequirements []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"resourceRequirements"`
		Secrets []struct {
			Name      string `json:"name"`
			ValueFrom string `json:"valueFrom"`
		} `json:"secrets"`
		ExecutionRoleArn     string `json:"executionRoleArn"`
		NetworkConfiguration struct {
			AssignPublicIP string `json:"assignPublicIp"`
		} `json:"networkConfiguration"`
		FargatePlatformConfiguration struct {
			PlatformVersion string `json:"platformVersion"`
		} `json:"fargatePlatformConfiguration"`
		MountPoints []struct {
			SourceVolume  string `json:"sourceVolume"`
			ContainerPath string `json:"containerPath"`
			ReadOnly      bool   `json:"readOnly"`
		} `json:"mountPoints"`
		Volumes []struct {
			Name                   string `json:"name"`
			EfsVolumeConfiguration struct {
				FileSystemID      string `json:"fileSystemId"`
				RootDirectory     string `json:"rootDirectory"`
				TransitEncryption string `json:"transitEncryption"`
			} `json:"efsVolumeConfiguration"`
		} `json:"volumes"`
	} `json:"containerProperties"`
	RetryStrategy struct {
		Attempts int `json:"attempts"`
	} `json:"retryStrategy"`
	Timeout struct {
		AttemptDurationSeconds int `json:"attemptDurationSeconds"`
	} `json:"timeout"`
}

// TestBatchJobDefinition: the AWS Batch job definition decodes with no unknown field; it runs a
// container that takes its index from AWS_BATCH_JOB_ARRAY_INDEX, its DSNs from Secrets Manager,
// and writes to a volume it declares; its resource types are the API's.
func TestBatchJobDefinition(t *testing.T) {
	data, err := os.ReadFile("aws-batch-job-definition.json")
	if err != nil {
		t.Fatal(err)
	}
	var d batchJobDefinition
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	cp := d.ContainerProperties
	command := strings.Join(cp.Command, " ")
	if d.Type != "container" || !shardsFlag.MatchString(command) || !strings.Contains(command, "$AWS_BATCH_JOB_ARRAY_INDEX") {
		t.Errorf("type %q, command %q: want a container taking --shards N and the array index", d.Type, command)
	}
	// RegisterJobDefinition's ResourceRequirement: "The type of resource to assign to a
	// container. The supported resources include GPU, MEMORY, and VCPU."
	for _, r := range cp.ResourceRequirements {
		if r.Type != "GPU" && r.Type != "MEMORY" && r.Type != "VCPU" {
			t.Errorf("resource type %q", r.Type)
		}
	}
	names := map[string]bool{}
	for _, s := range cp.Secrets {
		if !strings.HasPrefix(s.ValueFrom, "arn:aws:secretsmanager:") || !strings.Contains(command, "$"+s.Name) {
			t.Errorf("secret %s from %s is not a Secrets Manager ARN the command uses", s.Name, s.ValueFrom)
		}
		names[s.Name] = true
	}
	if !names["SOURCE_DSN"] || !names["TARGET_DSN"] {
		t.Errorf("secrets %v: want SOURCE_DSN and TARGET_DSN", names)
	}
	vols := map[string]bool{}
	for _, v := range cp.Volumes {
		vols[v.Name] = true
	}
	for _, m := range cp.MountPoints {
		if !vols[m.SourceVolume] {
			t.Errorf("mount of undeclared volume %q", m.SourceVolume)
		}
	}
	checkFlags(t, command)
}

func itoa(n int32) string { b, _ := json.Marshal(n); return string(b) }
