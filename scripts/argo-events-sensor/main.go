// Command argo-events-sensor runs Argo Events' own sensor code (github.com/argoproj/argo-events
// v1.9.11) on Alertmanager webhook payloads against the rendered Sensors, and checks what each
// Sensor submits and that its RBAC allows exactly that:
//
//   - the event is what the webhook EventSource publishes for a POST (`{"header": …, "body": …}`,
//     pkg/eventsources/sources/webhook/start.go), with the CloudEvents context the sensor reads;
//   - a Sensor takes it when a dependency names that EventSource and event and its filters pass
//     (pkg/sensors/dependencies.Filter, the sensor's own filter code);
//   - its k8s trigger runs as the sensor runs it (pkg/sensors/triggers/standard-k8s: FetchResource,
//     ApplyResourceParameters, Execute) against a fake dynamic client, which records every API call;
//   - each call must be allowed by a Role in the call's namespace bound to the Sensor's
//     ServiceAccount (rendered Roles and RoleBindings), and the Role must allow nothing else.
//
// Usage: argo-events-sensor -cases <cases.json> <manifest.yaml>...
// A case: {"name", "payload": <file with the Alertmanager webhook JSON>, "expect": [{"sensor",
// "namespace", "workflowTemplate", "dataVersion"}]} (an empty expect: no Sensor may submit anything).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/argoproj/argo-events/pkg/apis/events/v1alpha1"
	"github.com/argoproj/argo-events/pkg/sensors/dependencies"
	standardk8s "github.com/argoproj/argo-events/pkg/sensors/triggers/standard-k8s"
	"go.uber.org/zap"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

type expectation struct {
	Sensor           string `json:"sensor"`
	Namespace        string `json:"namespace"`
	WorkflowTemplate string `json:"workflowTemplate"`
	DataVersion      string `json:"dataVersion"`
}

type testCase struct {
	Name    string        `json:"name"`
	Payload string        `json:"payload"`
	Expect  []expectation `json:"expect"`
}

type manifests struct {
	sensors      []*v1alpha1.Sensor
	roles        []rbacv1.Role
	roleBindings []rbacv1.RoleBinding
}

func main() {
	casesFile := flag.String("cases", "", "JSON file of cases")
	flag.Parse()
	if *casesFile == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: argo-events-sensor -cases <cases.json> <manifest.yaml>...")
		os.Exit(2)
	}
	m, err := load(flag.Args())
	if err != nil {
		fail(err)
	}
	if len(m.sensors) == 0 {
		fail(fmt.Errorf("no Sensor in %s", strings.Join(flag.Args(), " ")))
	}
	raw, err := os.ReadFile(*casesFile)
	if err != nil {
		fail(err)
	}
	var cases []testCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		fail(fmt.Errorf("%s: %w", *casesFile, err))
	}
	problems := 0
	for _, c := range cases {
		payload, err := os.ReadFile(filepath.Join(filepath.Dir(*casesFile), c.Payload))
		if err != nil {
			fail(err)
		}
		got, errs := run(m, payload)
		problems += len(errs)
		for _, e := range errs {
			fmt.Fprintf(os.Stderr, "%s: %s\n", c.Name, e)
		}
		want := append([]expectation{}, c.Expect...)
		sortExp(want)
		sortExp(got)
		if !reflect.DeepEqual(normal(want), normal(got)) {
			problems++
			fmt.Fprintf(os.Stderr, "%s: submitted %s, expected %s\n", c.Name, show(got), show(want))
		} else {
			fmt.Printf("%s: submitted %s: ok\n", c.Name, show(got))
		}
	}
	fmt.Printf("argo-events-sensor: %d Sensors, %d cases, %d problems (argo-events v1.9.11 filter and k8s trigger)\n", len(m.sensors), len(cases), problems)
	if problems > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "argo-events-sensor:", err)
	os.Exit(2)
}

func normal(e []expectation) []expectation {
	if len(e) == 0 {
		return nil
	}
	return e
}

func sortExp(e []expectation) {
	sort.Slice(e, func(i, j int) bool { return e[i].Sensor < e[j].Sensor })
}

func show(e []expectation) string {
	if len(e) == 0 {
		return "nothing"
	}
	parts := []string{}
	for _, x := range e {
		parts = append(parts, fmt.Sprintf("%s → Workflow from %s/%s with data-version %s", x.Sensor, x.Namespace, x.WorkflowTemplate, x.DataVersion))
	}
	return strings.Join(parts, "; ")
}

// load reads every Sensor, Role and RoleBinding of the manifests.
func load(files []string) (*manifests, error) {
	m := &manifests{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(string(data)), 4096)
		for {
			var obj map[string]interface{}
			if err := dec.Decode(&obj); err != nil {
				if err.Error() == "EOF" {
					break
				}
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if obj == nil {
				continue
			}
			js, _ := json.Marshal(obj)
			switch obj["kind"] {
			case "Sensor":
				s := &v1alpha1.Sensor{}
				if err := json.Unmarshal(js, s); err != nil {
					return nil, fmt.Errorf("%s: Sensor: %w", f, err)
				}
				m.sensors = append(m.sensors, s)
			case "Role":
				var r rbacv1.Role
				if err := json.Unmarshal(js, &r); err != nil {
					return nil, err
				}
				m.roles = append(m.roles, r)
			case "RoleBinding":
				var b rbacv1.RoleBinding
				if err := json.Unmarshal(js, &b); err != nil {
					return nil, err
				}
				m.roleBindings = append(m.roleBindings, b)
			}
		}
	}
	return m, nil
}

// event is what the webhook EventSource publishes for an Alertmanager POST to it.
func event(sourceName, eventName string, payload []byte) (*v1alpha1.Event, error) {
	body := json.RawMessage(payload)
	data, err := json.Marshal(map[string]interface{}{
		"header": map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Alertmanager/0.25.0"}},
		"body":   &body,
	})
	if err != nil {
		return nil, err
	}
	return &v1alpha1.Event{
		Context: &v1alpha1.EventContext{
			ID: "1", Source: sourceName, Subject: eventName, SpecVersion: "1.0", Type: "webhook",
			DataContentType: "application/json", Time: metav1.Time{Time: time.Now()},
		},
		Data: data,
	}, nil
}

// run offers the payload to every Sensor and returns what they submitted.
func run(m *manifests, payload []byte) ([]expectation, []string) {
	var got []expectation
	var problems []string
	logger := zap.NewNop().Sugar()
	for _, sensor := range m.sensors {
		events := map[string]*v1alpha1.Event{}
		for _, dep := range sensor.Spec.Dependencies {
			ev, err := event(dep.EventSourceName, dep.EventName, payload)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			ok, err := dependencies.Filter(ev, dep.Filters, dep.FiltersLogicalOperator)
			if err != nil {
				// The sensor logs a filter error and drops the event: not taken.
				continue
			}
			if ok {
				events[dep.Name] = ev
			}
		}
		if len(events) < len(sensor.Spec.Dependencies) {
			continue
		}
		for i := range sensor.Spec.Triggers {
			trigger := sensor.Spec.Triggers[i]
			if trigger.Template == nil || trigger.Template.K8s == nil {
				problems = append(problems, fmt.Sprintf("Sensor %s: trigger %d is not a k8s trigger", sensor.Name, i))
				continue
			}
			e, errs := execute(m, sensor, &trigger, events, logger)
			problems = append(problems, errs...)
			got = append(got, e...)
		}
	}
	return got, problems
}

// execute runs the k8s trigger as the sensor does, against a fake API that records the calls.
func execute(m *manifests, sensor *v1alpha1.Sensor, trigger *v1alpha1.Trigger, events map[string]*v1alpha1.Event, logger *zap.SugaredLogger) ([]expectation, []string) {
	var problems []string
	scheme := runtime.NewScheme()
	gvr := schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "workflows"}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(scheme, map[schema.GroupVersionResource]string{gvr: "WorkflowList"})
	// The API server fills generateName; the fake does not.
	dyn.PrependReactor("create", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj := a.(k8stesting.CreateAction).GetObject().(*unstructured.Unstructured)
		if obj.GetName() == "" && obj.GetGenerateName() != "" {
			obj.SetName(obj.GetGenerateName() + "x7k2p")
		}
		return false, nil, nil
	})
	t := standardk8s.NewStandardK8sTrigger(k8sfake.NewSimpleClientset(), dyn, sensor, trigger, logger)
	ctx := context.Background()
	res, err := t.FetchResource(ctx)
	if err != nil {
		return nil, []string{fmt.Sprintf("Sensor %s: FetchResource: %v", sensor.Name, err)}
	}
	res, err = t.ApplyResourceParameters(events, res)
	if err != nil {
		return nil, []string{fmt.Sprintf("Sensor %s: ApplyResourceParameters: %v", sensor.Name, err)}
	}
	if _, err := t.Execute(ctx, events, res); err != nil {
		return nil, []string{fmt.Sprintf("Sensor %s: Execute: %v", sensor.Name, err)}
	}
	var got []expectation
	for _, a := range dyn.Actions() {
		problems = append(problems, authorize(m, sensor, a)...)
		create, ok := a.(k8stesting.CreateAction)
		if !ok {
			continue
		}
		wf := create.GetObject().(*unstructured.Unstructured)
		tmpl, _, _ := unstructured.NestedString(wf.Object, "spec", "workflowTemplateRef", "name")
		params, _, _ := unstructured.NestedSlice(wf.Object, "spec", "arguments", "parameters")
		dataVersion := ""
		for _, p := range params {
			if pm, ok := p.(map[string]interface{}); ok && pm["name"] == "data-version" {
				dataVersion = fmt.Sprint(pm["value"])
			}
		}
		if wf.GetKind() != "Workflow" {
			problems = append(problems, fmt.Sprintf("Sensor %s created a %s, not a Workflow", sensor.Name, wf.GetKind()))
		}
		got = append(got, expectation{Sensor: sensor.Name, Namespace: a.GetNamespace(), WorkflowTemplate: tmpl, DataVersion: dataVersion})
	}
	return got, problems
}

// authorize: the call must be allowed by a Role in its namespace bound to the Sensor's
// ServiceAccount, and those Roles must allow nothing but what the calls needed.
func authorize(m *manifests, sensor *v1alpha1.Sensor, a k8stesting.Action) []string {
	sa := ""
	if sensor.Spec.Template != nil {
		sa = sensor.Spec.Template.ServiceAccountName
	}
	if sa == "" {
		return []string{fmt.Sprintf("Sensor %s runs as no ServiceAccount of its own", sensor.Name)}
	}
	res := a.GetResource()
	allowed := false
	var problems []string
	for _, b := range m.roleBindings {
		if b.Namespace != a.GetNamespace() || b.RoleRef.Kind != "Role" {
			continue
		}
		bound := false
		for _, s := range b.Subjects {
			if s.Kind == "ServiceAccount" && s.Name == sa && s.Namespace == sensor.Namespace {
				bound = true
			}
		}
		if !bound {
			continue
		}
		for _, r := range m.roles {
			if r.Namespace != b.Namespace || r.Name != b.RoleRef.Name {
				continue
			}
			for _, rule := range r.Rules {
				if !reflect.DeepEqual(rule.APIGroups, []string{"argoproj.io"}) || !reflect.DeepEqual(rule.Resources, []string{"workflows"}) ||
					!reflect.DeepEqual(rule.Verbs, []string{"create"}) || len(rule.ResourceNames) > 0 {
					problems = append(problems, fmt.Sprintf("Role %s/%s allows more than creating Workflows: %v", r.Namespace, r.Name, rule))
				}
				if contains(rule.APIGroups, res.Group) && contains(rule.Resources, res.Resource) && contains(rule.Verbs, a.GetVerb()) {
					allowed = true
				}
			}
		}
	}
	if !allowed {
		problems = append(problems, fmt.Sprintf("Sensor %s (ServiceAccount %s/%s) may not %s %s in %s: no Role bound to it allows it", sensor.Name, sensor.Namespace, sa, a.GetVerb(), res.Resource, a.GetNamespace()))
	}
	return problems
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s || x == "*" {
			return true
		}
	}
	return false
}

