package deploy

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/loadcron/loadcron/internal/config"
)

// object is the part of a Kubernetes object the tests read.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec yaml.Node         `yaml:"spec"`
	raw  []byte
}

// kustomizeBuild builds the kustomization in dir with the kustomize library
// (as `kubectl kustomize dir`) and returns its objects by "Kind/name".
func kustomizeBuild(t *testing.T, dir string) map[string]object {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	objs := map[string]object{}
	for _, r := range m.Resources() {
		b, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		var o object
		if err := yaml.Unmarshal(b, &o); err != nil {
			t.Fatal(err)
		}
		o.raw = b
		objs[o.Kind+"/"+o.Metadata.Name] = o
	}
	return objs
}

// statefulSet is the part of the StatefulSet the tests check.
type statefulSet struct {
	Replicas    int    `yaml:"replicas"`
	ServiceName string `yaml:"serviceName"`
	Selector    struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec struct {
			SecurityContext struct {
				RunAsNonRoot bool `yaml:"runAsNonRoot"`
			} `yaml:"securityContext"`
			Containers []container `yaml:"containers"`
			Volumes    []struct {
				Name      string `yaml:"name"`
				ConfigMap *struct {
					Name string `yaml:"name"`
				} `yaml:"configMap"`
			} `yaml:"volumes"`
		} `yaml:"spec"`
	} `yaml:"template"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Env   []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			FieldRef *struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

// probe is an HTTP probe.
type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

func decodeSpec[T any](t *testing.T, o object) T {
	t.Helper()
	var v T
	if err := o.Spec.Decode(&v); err != nil {
		t.Fatalf("%s/%s: %v", o.Kind, o.Metadata.Name, err)
	}
	return v
}

// TestKustomize builds the base and the demo overlay and checks what they
// hold: the kinds, the StatefulSet's segment env, probes and hardening,
// the Service and ServiceMonitor wiring, the config, the PrometheusRule
// and the dashboard ConfigMaps.
func TestKustomize(t *testing.T) {
	tests := []struct {
		dir      string
		replicas int
		extra    []string // objects besides the base's
	}{
		// The base: one replica, loadcron only.
		{"kubernetes/base", 1, nil},
		// The demo overlay: chatsim added, scaled out to 3 replicas.
		{"kubernetes/demo", 3, []string{"Deployment/chatsim", "Service/chatsim"}},
	}
	base := []string{
		"StatefulSet/loadcron", "Service/loadcron", "ServiceMonitor/loadcron", "PrometheusRule/loadcron",
		"ConfigMap/loadcron-config", "ConfigMap/loadcron-dashboard-overview", "ConfigMap/loadcron-dashboard-scenario",
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			objs := kustomizeBuild(t, tc.dir)
			var got []string
			for k := range objs {
				got = append(got, k)
			}
			want := append(slices.Clone(base), tc.extra...)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("objects = %v, want %v", got, want)
			}
			checkStatefulSet(t, objs, tc.replicas)
			checkScrape(t, objs)
			checkGenerated(t, objs)
		})
	}
}

func checkStatefulSet(t *testing.T, objs map[string]object, replicas int) {
	t.Helper()
	ss := decodeSpec[statefulSet](t, objs["StatefulSet/loadcron"])
	if ss.Replicas != replicas {
		t.Errorf("replicas = %d, want %d", ss.Replicas, replicas)
	}
	if ss.ServiceName != "loadcron" {
		t.Errorf("serviceName = %q", ss.ServiceName)
	}
	if len(ss.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(ss.Template.Spec.Containers))
	}
	c := ss.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil:
			env[e.Name] = "fieldRef:" + e.ValueFrom.FieldRef.FieldPath
		default:
			env[e.Name] = e.Value
		}
	}
	if env["LOADCRON_SEGMENT_INDEX"] != "fieldRef:metadata.name" {
		t.Errorf("LOADCRON_SEGMENT_INDEX = %q, want the pod name from the downward API", env["LOADCRON_SEGMENT_INDEX"])
	}
	if env["LOADCRON_SEGMENT_COUNT"] != strconv.Itoa(ss.Replicas) {
		t.Errorf("LOADCRON_SEGMENT_COUNT = %q, replicas = %d: they must agree", env["LOADCRON_SEGMENT_COUNT"], ss.Replicas)
	}
	if c.Image != "loadcron:dev" {
		t.Errorf("image = %q", c.Image)
	}
	for _, p := range []struct {
		name  string
		probe *probe
		path  string
	}{{"readiness", c.ReadinessProbe, "/-/ready"}, {"liveness", c.LivenessProbe, "/-/healthy"}} {
		if p.probe == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port != "http-metrics" {
			t.Errorf("%s probe = %+v, want GET %s on http-metrics", p.name, p.probe, p.path)
		}
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http-metrics" || c.Ports[0].ContainerPort != 8097 {
		t.Errorf("ports = %+v", c.Ports)
	}
	if !ss.Template.Spec.SecurityContext.RunAsNonRoot || !c.SecurityContext.ReadOnlyRootFilesystem ||
		c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
		t.Error("want runAsNonRoot, readOnlyRootFilesystem and no privilege escalation")
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources = %+v", c.Resources)
	}
	mountsAt := map[string]string{}
	for _, m := range c.VolumeMounts {
		mountsAt[m.MountPath] = m.Name
	}
	cfgFile, dataDir := argValue(c.Args, "--config.file"), argValue(c.Args, "--data-dir")
	if c.Args[0] != "serve" || mountsAt[filepath.Dir(cfgFile)] != "config" || mountsAt[dataDir] != "data" {
		t.Errorf("args %v: want serve with --config.file in the config volume and --data-dir on the data volume (mounts %v)", c.Args, mountsAt)
	}
	checkCommandLine(t, "StatefulSet args", c.Args)
	for _, v := range ss.Template.Spec.Volumes {
		if v.Name != "config" {
			continue
		}
		cm, ok := objs["ConfigMap/"+v.ConfigMap.Name]
		if !ok {
			t.Fatalf("config volume names ConfigMap %s, not in the build", v.ConfigMap.Name)
		}
		data, ok := cm.Data[filepath.Base(cfgFile)]
		if !ok {
			t.Fatalf("ConfigMap %s has no %s", v.ConfigMap.Name, filepath.Base(cfgFile))
		}
		cfg, err := config.Parse([]byte(data), cfgFile, config.LoadOptions{})
		if err != nil {
			t.Errorf("config in ConfigMap %s: %v", v.ConfigMap.Name, err)
			continue
		}
		for name, s := range cfg.Suites {
			if s.TriggerOnly() {
				t.Errorf("config in ConfigMap %s: suite %s has no schedule", v.ConfigMap.Name, name)
			}
		}
	}
	if !reflect.DeepEqual(ss.Selector.MatchLabels, subset(ss.Template.Metadata.Labels, ss.Selector.MatchLabels)) {
		t.Errorf("selector %v does not match pod labels %v", ss.Selector.MatchLabels, ss.Template.Metadata.Labels)
	}
}

// checkScrape checks that the ServiceMonitor selects the Service, which
// selects the pods, on the named metrics port; the Service name is the
// job name the rules expect.
func checkScrape(t *testing.T, objs map[string]object) {
	t.Helper()
	ss := decodeSpec[statefulSet](t, objs["StatefulSet/loadcron"])
	svcObj := objs["Service/loadcron"]
	svc := decodeSpec[struct {
		ClusterIP string            `yaml:"clusterIP"`
		Selector  map[string]string `yaml:"selector"`
		Ports     []struct {
			Name string `yaml:"name"`
			Port int    `yaml:"port"`
		} `yaml:"ports"`
	}](t, svcObj)
	if svc.ClusterIP != "None" {
		t.Errorf("Service clusterIP = %q, want None (headless, the StatefulSet's serviceName)", svc.ClusterIP)
	}
	if !reflect.DeepEqual(svc.Selector, subset(ss.Template.Metadata.Labels, svc.Selector)) {
		t.Errorf("Service selector %v does not match the pods %v", svc.Selector, ss.Template.Metadata.Labels)
	}
	if len(svc.Ports) != 1 || svc.Ports[0].Name != "http-metrics" || svc.Ports[0].Port != 8097 {
		t.Errorf("Service ports = %+v, want http-metrics 8097", svc.Ports)
	}
	sm := objs["ServiceMonitor/loadcron"]
	if sm.APIVersion != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor apiVersion %s", sm.APIVersion)
	}
	smSpec := decodeSpec[struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Endpoints []struct {
			Port string `yaml:"port"`
			Path string `yaml:"path"`
		} `yaml:"endpoints"`
	}](t, sm)
	if !reflect.DeepEqual(smSpec.Selector.MatchLabels, subset(svcObj.Metadata.Labels, smSpec.Selector.MatchLabels)) {
		t.Errorf("ServiceMonitor selector %v does not match the Service labels %v", smSpec.Selector.MatchLabels, svcObj.Metadata.Labels)
	}
	if len(smSpec.Endpoints) != 1 || smSpec.Endpoints[0].Port != "http-metrics" || smSpec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints = %+v", smSpec.Endpoints)
	}
}

// checkGenerated checks the PrometheusRule against alerts/ and the
// dashboard ConfigMaps against dashboards/.
func checkGenerated(t *testing.T, objs map[string]object) {
	t.Helper()
	var rule struct {
		Spec map[string]any `yaml:"spec"`
	}
	if err := yaml.Unmarshal(objs["PrometheusRule/loadcron"].raw, &rule); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	readYAML(t, fromRoot("alerts/loadcron.rules.yml"), &want)
	if !reflect.DeepEqual(rule.Spec, want) {
		t.Error("PrometheusRule spec differs from alerts/loadcron.rules.yml: run make kube-gen")
	}
	dashboards, _ := filepath.Glob(fromRoot("dashboards/*.json"))
	for _, d := range dashboards {
		name := filepath.Base(d)
		src, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, o := range objs {
			if o.Kind != "ConfigMap" || o.Data[name] == "" {
				continue
			}
			found = true
			if o.Metadata.Labels["grafana_dashboard"] != "1" {
				t.Errorf("ConfigMap %s: label grafana_dashboard = %q, want \"1\"", o.Metadata.Name, o.Metadata.Labels["grafana_dashboard"])
			}
			if o.Data[name] != string(src) {
				t.Errorf("ConfigMap %s: %s differs from dashboards/: run make kube-gen", o.Metadata.Name, name)
			}
		}
		if !found {
			t.Errorf("no ConfigMap holds %s: add it to the base's configMapGenerator", name)
		}
	}
}

// subset returns the entries of m whose keys are in keys.
func subset(m, keys map[string]string) map[string]string {
	out := map[string]string{}
	for k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// argValue returns X from "--name=X" or "--name X" in args.
func argValue(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}
