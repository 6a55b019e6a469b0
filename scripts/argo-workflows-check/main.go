// Judges rendered Argo Workflows objects with Argo Workflows' own code (argo-workflows v4, pinned in
// go.mod):
//
//  1. every WorkflowTemplate through validate.ValidateWorkflowTemplate and every CronWorkflow through
//     validate.ValidateCronWorkflow (what the controller and `argo lint` run), the WorkflowTemplates
//     resolved among the manifests (a CronWorkflow's workflowTemplateRef, a backfill's templateRef);
//  2. every WorkflowTemplate with parameters as `argo submit --from workflowtemplate/<name> -p …`
//     submits it (validate.ValidateWorkflow with Submit, every parameter given a date);
//  3. every CronWorkflow argument written as an expression (`{{=…}}`) evaluated the way the controller
//     does for a run the cron starts: the CronWorkflow's workflowSpec joined with its WorkflowTemplate
//     (util.JoinWorkflowSpec, as setStoredWfSpec does), the templates left out, and the rest passed
//     through template.Replace with the global variables (operator.go substituteGlobalVariables),
//     `workflow.scheduledTime` the annotation the cron controller writes (RFC 3339). Its `logical-date`
//     must be the UTC day before the scheduled time: for every case of the fixture (whose expected
//     dates test/k8s/batch-scoring.test.ts checks against lib/core/batch/layout.ts logicalDateOf) and
//     for every hour of every day of 2024–2026 at UTC and at other offsets (a run started by hand with
//     `argo submit --from cronwf/…` carries the submitter's offset). Without a scheduled time the
//     expression must stay unresolved (the run's validate-input step then refuses it).
//
// Usage: argo-workflows-check --logical-dates <fixture.json> <manifests.yaml>...
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	wfv1 "github.com/argoproj/argo-workflows/v4/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v4/util/logging"
	"github.com/argoproj/argo-workflows/v4/util/template"
	"github.com/argoproj/argo-workflows/v4/workflow/common"
	wfutil "github.com/argoproj/argo-workflows/v4/workflow/util"
	"github.com/argoproj/argo-workflows/v4/workflow/validate"
	"sigs.k8s.io/yaml"
)

type templates map[string]*wfv1.WorkflowTemplate

func (t templates) Get(_ context.Context, name string) (*wfv1.WorkflowTemplate, error) {
	if wt, ok := t[name]; ok {
		return wt.DeepCopy(), nil
	}
	return nil, fmt.Errorf("workflowtemplates.argoproj.io %q not found among the manifests", name)
}

type noClusterTemplates struct{}

func (noClusterTemplates) Get(_ context.Context, name string) (*wfv1.ClusterWorkflowTemplate, error) {
	return nil, fmt.Errorf("clusterworkflowtemplates.argoproj.io %q not found (none are rendered)", name)
}

type logicalDateCase struct {
	ScheduledTime string `json:"scheduledTime"`
	LogicalDate   string `json:"logicalDate"`
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

func main() {
	fixture := flag.String("logical-dates", "", "JSON fixture of {scheduledTime, logicalDate} cases")
	flag.Parse()
	if flag.NArg() == 0 || *fixture == "" {
		fmt.Fprintln(os.Stderr, "usage: argo-workflows-check --logical-dates <fixture.json> <manifests.yaml>...")
		os.Exit(2)
	}
	ctx := logging.WithLogger(context.Background(), logging.NewSlogLogger(logging.Error, logging.Text))
	byNamespace, crons, err := load(flag.Args())
	if err != nil {
		fail(err)
	}
	if len(byNamespace) == 0 {
		fail(fmt.Errorf("no WorkflowTemplate in %s", strings.Join(flag.Args(), ", ")))
	}
	var cases []logicalDateCase
	raw, err := os.ReadFile(*fixture)
	if err == nil {
		err = json.Unmarshal(raw, &cases)
	}
	if err != nil || len(cases) == 0 {
		fail(fmt.Errorf("logical-date fixture %s: %v (no cases)", *fixture, err))
	}

	problems := 0
	report := func(format string, a ...any) {
		problems++
		fmt.Fprintf(os.Stderr, "argo-workflows-check: "+format+"\n", a...)
	}
	for _, key := range sortedKeys(byNamespace) {
		ns, name, _ := strings.Cut(key, "/")
		wts := byNamespace.in(ns)
		wt := wts[name]
		if err := validate.ValidateWorkflowTemplate(ctx, wts, noClusterTemplates{}, wt.DeepCopy(), nil, validate.ValidateOpts{}); err != nil {
			report("WorkflowTemplate %s/%s: %v", wt.Namespace, name, err)
			continue
		}
		if err := submit(ctx, wts, wt); err != nil {
			report("argo submit --from workflowtemplate/%s: %v", name, err)
			continue
		}
		fmt.Printf("argo-workflows-check: WorkflowTemplate %s/%s valid, and submittable: ok\n", wt.Namespace, name)
	}
	for _, cron := range crons {
		wts := byNamespace.in(cron.Namespace)
		if err := validate.ValidateCronWorkflow(ctx, wts, noClusterTemplates{}, cron.DeepCopy(), nil); err != nil {
			report("CronWorkflow %s/%s: %v", cron.Namespace, cron.Name, err)
			continue
		}
		fmt.Printf("argo-workflows-check: CronWorkflow %s/%s valid: ok\n", cron.Namespace, cron.Name)
		if !hasExpressionArgument(cron) {
			continue
		}
		n, errs := checkLogicalDates(ctx, wts, cron, cases)
		for _, e := range errs {
			report("CronWorkflow %s/%s: %v", cron.Namespace, cron.Name, e)
		}
		if len(errs) == 0 {
			fmt.Printf("argo-workflows-check: CronWorkflow %s/%s logical-date = UTC day before the scheduled time in %d cases (%d from the fixture): ok\n",
				cron.Namespace, cron.Name, n, len(cases))
		}
	}
	if problems > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "argo-workflows-check: %v\n", err)
	os.Exit(2)
}

// allTemplates holds the rendered WorkflowTemplates by "namespace/name" (a templateRef resolves in its namespace).
type allTemplates map[string]*wfv1.WorkflowTemplate

func (a allTemplates) in(namespace string) templates {
	out := templates{}
	for key, wt := range a {
		if ns, name, _ := strings.Cut(key, "/"); ns == namespace {
			out[name] = wt
		}
	}
	return out
}

func load(files []string) (allTemplates, []*wfv1.CronWorkflow, error) {
	wts := allTemplates{}
	var crons []*wfv1.CronWorkflow
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, nil, err
		}
		for _, doc := range docSeparator.Split(string(data), -1) {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if strings.TrimSpace(doc) == "" || yaml.Unmarshal([]byte(doc), &head) != nil || head.APIVersion != "argoproj.io/v1alpha1" {
				continue
			}
			switch head.Kind {
			case "WorkflowTemplate":
				var wt wfv1.WorkflowTemplate
				// Strict: a field Argo's types do not have is an error, as the API server's strict validation would make it.
				if err := yaml.UnmarshalStrict([]byte(doc), &wt); err != nil {
					return nil, nil, fmt.Errorf("%s: WorkflowTemplate: %w", file, err)
				}
				wts[wt.Namespace+"/"+wt.Name] = &wt
			case "CronWorkflow":
				var cron wfv1.CronWorkflow
				if err := yaml.UnmarshalStrict([]byte(doc), &cron); err != nil {
					return nil, nil, fmt.Errorf("%s: CronWorkflow: %w", file, err)
				}
				crons = append(crons, &cron)
			}
		}
	}
	return wts, crons, nil
}

func sortedKeys(wts allTemplates) []string {
	names := make([]string, 0, len(wts))
	for n := range wts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// submit validates the Workflow `argo submit --from workflowtemplate/<name>` creates, with every
// parameter without a value given a date (`-p logical-date=…`, `-p from=… -p to=…`).
func submit(ctx context.Context, wts templates, wt *wfv1.WorkflowTemplate) error {
	wf := common.NewWorkflowFromWorkflowTemplate(wt.Name, false)
	wf.Namespace = wt.Namespace
	for _, p := range wt.Spec.Arguments.Parameters {
		if p.Value == nil && p.ValueFrom == nil {
			wf.Spec.Arguments.Parameters = append(wf.Spec.Arguments.Parameters, wfv1.Parameter{Name: p.Name, Value: wfv1.AnyStringPtr("2026-11-26")})
		}
	}
	return validate.ValidateWorkflow(ctx, wts, noClusterTemplates{}, wf, nil, validate.ValidateOpts{Submit: true})
}

func hasExpressionArgument(cron *wfv1.CronWorkflow) bool {
	for _, p := range cron.Spec.WorkflowSpec.Arguments.Parameters {
		if p.Value != nil && strings.HasPrefix(p.Value.String(), "{{=") {
			return true
		}
	}
	return false
}

// evaluate returns the `logical-date` argument of the workflow the cron starts at `scheduledTime`
// (empty: no scheduled-time annotation), after the controller's global substitution.
func evaluate(ctx context.Context, wts templates, cron *wfv1.CronWorkflow, scheduledTime string) (string, error) {
	ref := cron.Spec.WorkflowSpec.WorkflowTemplateRef
	if ref == nil {
		return "", fmt.Errorf("has no workflowTemplateRef")
	}
	wt, err := wts.Get(ctx, ref.Name)
	if err != nil {
		return "", err
	}
	joined, err := wfutil.JoinWorkflowSpec(&cron.Spec.WorkflowSpec, wt.GetWorkflowSpec(), nil)
	if err != nil {
		return "", err
	}
	spec := joined.Spec
	spec.Templates = nil
	globals := map[string]string{
		common.GlobalVarWorkflowName:      cron.Name + "-1764212400",
		common.GlobalVarWorkflowNamespace: cron.Namespace,
		common.GlobalVarWorkflowUID:       "5f0c1c1e-7d6a-4f6b-9f3e-0c1d2e3f4a5b",
	}
	if scheduledTime != "" {
		globals[common.GlobalVarWorkflowCronScheduleTime] = scheduledTime
	}
	for _, p := range spec.Arguments.Parameters {
		if p.Value != nil {
			globals["workflow.parameters."+p.Name] = p.Value.String()
		}
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return "", err
	}
	resolved, err := template.Replace(ctx, string(data), globals, true)
	if err != nil {
		return "", err
	}
	var out wfv1.WorkflowSpec
	if err := json.Unmarshal([]byte(resolved), &out); err != nil {
		return "", err
	}
	for _, p := range out.Arguments.Parameters {
		if p.Name == "logical-date" && p.Value != nil {
			return p.Value.String(), nil
		}
	}
	return "", fmt.Errorf("has no logical-date argument")
}

func checkLogicalDates(ctx context.Context, wts templates, cron *wfv1.CronWorkflow, cases []logicalDateCase) (int, []error) {
	var errs []error
	check := func(scheduled, want string) {
		got, err := evaluate(ctx, wts, cron, scheduled)
		if err != nil {
			errs = append(errs, fmt.Errorf("scheduled %s: %w", scheduled, err))
		} else if got != want {
			errs = append(errs, fmt.Errorf("scheduled %s: logical-date %q, want %q", scheduled, got, want))
		}
	}
	n := 0
	for _, c := range cases {
		check(c.ScheduledTime, c.LogicalDate)
		n++
	}
	// Every hour of 2024–2026 as the cron writes it (UTC), and every hour of every 7th day as a run
	// started by hand in another zone writes it (offsets east and west, and not whole hours).
	zones := []*time.Location{time.FixedZone("+02:00", 2*3600), time.FixedZone("-05:00", -5*3600), time.FixedZone("+05:45", 5*3600+45*60)}
	for i, day := 0, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2027; i, day = i+1, day.AddDate(0, 0, 1) {
		for hour := 0; hour < 24 && len(errs) < 10; hour++ {
			instant := day.Add(time.Duration(hour) * time.Hour)
			want := instant.AddDate(0, 0, -1).Format("2006-01-02")
			check(instant.Format(time.RFC3339), want)
			n++
			if i%7 == 0 {
				for _, z := range zones {
					check(instant.In(z).Format(time.RFC3339), want)
					n++
				}
			}
		}
	}
	// A workflow without the annotation (not started by the cron): no date, for validate-input to
	// refuse (left unresolved, or the expression's own "no date" value), never a date.
	got, err := evaluate(ctx, wts, cron, "")
	if _, isDate := time.Parse("2006-01-02", got); err != nil || isDate == nil {
		errs = append(errs, fmt.Errorf("without a scheduled time: logical-date %q (error %v), want something that is not a date", got, err))
	} else {
		fmt.Printf("argo-workflows-check: CronWorkflow %s/%s without a scheduled time: logical-date %q (not a date: refused)\n", cron.Namespace, cron.Name, got)
	}
	return n, errs
}
