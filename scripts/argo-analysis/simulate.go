package main

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "unsafe" // go:linkname

	log "github.com/sirupsen/logrus"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeinformers "k8s.io/client-go/informers"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/util/workqueue"

	"github.com/argoproj/argo-rollouts/analysis"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	argofake "github.com/argoproj/argo-rollouts/pkg/client/clientset/versioned/fake"
	argoinformers "github.com/argoproj/argo-rollouts/pkg/client/informers/externalversions"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"github.com/argoproj/argo-rollouts/utils/evaluate"
	"github.com/argoproj/argo-rollouts/utils/record"
	timeutil "github.com/argoproj/argo-rollouts/utils/time"
)

// The analysis controller's own reconcile (analysis/analysis.go): it takes the due measurements
// through the metric providers, assesses every metric (failureLimit, inconclusiveLimit, count,
// consecutiveErrorLimit) and the run, and asks to be called again after the next interval.
//
//go:linkname reconcileAnalysisRun github.com/argoproj/argo-rollouts/analysis.(*Controller).reconcileAnalysisRun
func reconcileAnalysisRun(c *analysis.Controller, run *v1alpha1.AnalysisRun) *v1alpha1.AnalysisRun

// queue records when the controller asks to reconcile again (EnqueueAfter).
type queue struct {
	workqueue.RateLimitingInterface
	mu    sync.Mutex
	after *time.Duration
}

func (q *queue) AddAfter(_ any, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.after == nil || d < *q.after {
		q.after = &d
	}
}
func (q *queue) Add(_ any)            {}
func (q *queue) AddRateLimited(_ any) {}

// What the fake Prometheus answers for a metric.
type answer int

const (
	healthy answer = iota
	failing
	empty
	nan
)

// prometheus answers /<metric>/api/v1/query like Prometheus' HTTP API, from the scenario and the
// simulated clock: no canary series before dataFrom (two scrapes after the canary took traffic).
type prometheus struct {
	mu       sync.Mutex
	now      time.Time
	dataFrom time.Time
	answers  map[string]answer
	values   map[string][2]float64 // healthy, failing
}

func (p *prometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	name := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[0]
	result := "[]"
	if !p.now.Before(p.dataFrom) {
		switch p.answers[name] {
		case healthy:
			result = sample(p.values[name][0])
		case failing:
			result = sample(p.values[name][1])
		case nan:
			result = sample(math.NaN())
		}
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":%s}}`, result)
}

func sample(v float64) string {
	return fmt.Sprintf(`[{"metric":{},"value":[%d,"%s"]}]`, time.Now().Unix(), strconv.FormatFloat(v, 'g', -1, 64))
}

type scenario struct {
	name    string
	answers map[string]answer
	expect  v1alpha1.AnalysisPhase
}

// judgeAnalysis runs the Rollout's background analysis through the analysis controller in each
// scenario and reports every outcome that differs from the expected one.
func judgeAnalysis(ro *v1alpha1.Rollout, o *objects, scrape time.Duration) int {
	name := key(ro.Namespace, ro.Name)
	fail := func(format string, a ...any) int {
		fmt.Printf("FAIL %s: %s\n", name, fmt.Sprintf(format, a...))
		return 1
	}
	canary := ro.Spec.Strategy.Canary
	if canary.Analysis == nil {
		return fail("no background analysis: nothing aborts a bad canary")
	}
	start := int32(0)
	if canary.Analysis.StartingStep != nil {
		start = *canary.Analysis.StartingStep
	}
	tookTraffic := false
	for _, s := range canary.Steps[:min(int(start), len(canary.Steps))] {
		tookTraffic = tookTraffic || (s.SetWeight != nil && *s.SetWeight > 0)
	}
	if !tookTraffic {
		return fail("the background analysis starts (startingStep %d) before a setWeight step has completed: the canary's pods may not even be ready, so its first measurements find no series", start)
	}
	// How long the Rollout runs after the analysis started: its pauses from that step on.
	var remaining time.Duration
	for _, s := range canary.Steps[start:] {
		// A step analysis (an experiment's decision) holds the Rollout until its run completes: the
		// background analysis is simulated for stepAnalysisHold of it.
		if s.Analysis != nil {
			remaining += stepAnalysisHold
		}
		if s.Pause != nil {
			if s.Pause.Duration == nil {
				return fail("an indefinite pause: the simulation needs the step durations")
			}
			remaining += time.Duration(s.Pause.DurationSeconds()) * time.Second
		}
	}
	if remaining == 0 {
		return fail("no pause after the analysis starts: the canary is promoted before it is measured")
	}

	tpls, _ := backgroundTemplates(ro, o)
	hash := func(h string) *appsv1.ReplicaSet {
		return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{v1alpha1.DefaultRolloutUniqueLabelKey: h}}}
	}
	args, err := analysisutil.BuildArgumentsForRolloutAnalysisRun(canary.Analysis.Args, hash("5d8f7c6b9"), hash("7b6c9d8f5"), ro)
	if err != nil {
		return fail("analysis arguments: %v", err)
	}
	base, err := analysisutil.NewAnalysisRunFromTemplates(tpls, nil, args, canary.Analysis.DryRun, canary.Analysis.MeasurementRetention, map[string]string{}, map[string]string{}, ro.Name+"-7b6c9d8f5-1", "", ro.Namespace)
	if err != nil {
		return fail("analysis run: %v", err)
	}

	prom := &prometheus{values: map[string][2]float64{}}
	server := httptest.NewServer(prom)
	defer server.Close()
	problems := 0
	var canFail []string
	for i := range base.Spec.Metrics {
		m := &base.Spec.Metrics[i]
		if m.Provider.Prometheus == nil {
			problems += fail("metric %s: only Prometheus metrics are simulated", m.Name)
			continue
		}
		ok, bad, hasOK, hasBad := probeValues(*m)
		if !hasOK {
			problems += fail("metric %s: no value makes it Successful (successCondition %q, failureCondition %q)", m.Name, m.SuccessCondition, m.FailureCondition)
			continue
		}
		prom.values[m.Name] = [2]float64{ok, bad}
		if hasBad {
			canFail = append(canFail, m.Name)
		}
		m.Provider.Prometheus.Address = server.URL + "/" + m.Name
	}
	if problems > 0 {
		return problems
	}
	if len(canFail) == 0 {
		return fail("no metric can fail: the analysis never aborts a canary")
	}

	all := func(a answer) map[string]answer {
		out := map[string]answer{}
		for _, m := range base.Spec.Metrics {
			out[m.Name] = a
		}
		return out
	}
	scenarios := []scenario{{"healthy", all(healthy), v1alpha1.AnalysisPhaseSuccessful}}
	for _, n := range canFail {
		s := scenario{"failing " + n, all(healthy), v1alpha1.AnalysisPhaseFailed}
		s.answers[n] = failing
		scenarios = append(scenarios, s)
	}
	scenarios = append(scenarios,
		scenario{"empty result", all(empty), v1alpha1.AnalysisPhaseInconclusive},
		scenario{"NaN result", all(nan), v1alpha1.AnalysisPhaseInconclusive})

	for _, s := range scenarios {
		problems += runScenario(name, base, prom, s, 2*scrape, remaining)
	}
	return problems
}

// probeValues finds, with Argo's own evaluate.EvaluateResult on a one-sample vector, a value the
// metric judges Successful and one it judges Failed (from the numbers in its conditions).
func probeValues(m v1alpha1.Metric) (ok, bad float64, hasOK, hasBad bool) {
	nums := regexp.MustCompile(`-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?`).FindAllString(m.SuccessCondition+" "+m.FailureCondition, -1)
	candidates := []float64{0, 1, 1e9, -1e9}
	for _, s := range nums {
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			candidates = append(candidates, n, n-1e-3, n+1e-3, n/2, n*2, n-1, n+1)
		}
	}
	entry := log.NewEntry(log.StandardLogger())
	for _, v := range candidates {
		phase, err := evaluate.EvaluateResult([]float64{v}, m, *entry)
		if err != nil {
			continue
		}
		if phase == v1alpha1.AnalysisPhaseSuccessful && !hasOK {
			ok, hasOK = v, true
		}
		if phase == v1alpha1.AnalysisPhaseFailed && !hasBad {
			bad, hasBad = v, true
		}
	}
	return
}

func runScenario(name string, base *v1alpha1.AnalysisRun, prom *prometheus, s scenario, dataAfter, remaining time.Duration) int {
	kube := k8sfake.NewSimpleClientset()
	argo := argofake.NewSimpleClientset()
	argoInf := argoinformers.NewSharedInformerFactory(argo, 0)
	kubeInf := kubeinformers.NewSharedInformerFactory(kube, 0)
	q := &queue{}
	c := analysis.NewController(analysis.ControllerConfig{
		KubeClientSet:        kube,
		ArgoProjClientset:    argo,
		AnalysisRunInformer:  argoInf.Argoproj().V1alpha1().AnalysisRuns(),
		JobInformer:          kubeInf.Batch().V1().Jobs(),
		JobPodsInformer:      kubeInf.Core().V1().Pods(),
		AnalysisRunWorkQueue: q,
		Recorder:             record.NewFakeEventRecorder(),
	})

	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	timeutil.SetNowTimeFunc(func() time.Time { return now })
	prom.mu.Lock()
	prom.answers, prom.dataFrom = s.answers, t0.Add(dataAfter)
	prom.mu.Unlock()
	end := t0.Add(remaining)
	run := base.DeepCopy()
	terminated := false
	firstOf := map[string]v1alpha1.Measurement{}
	for i := 0; i < 100000 && !run.Status.Phase.Completed(); i++ {
		prom.mu.Lock()
		prom.now = now
		prom.mu.Unlock()
		q.after = nil
		run = reconcileAnalysisRun(c, run)
		// The controller keeps the last 10 measurements: note each metric's first when it is taken.
		for _, r := range run.Status.MetricResults {
			if _, seen := firstOf[r.Name]; !seen && len(r.Measurements) > 0 && r.Measurements[0].Phase.Completed() {
				firstOf[r.Name] = r.Measurements[0]
			}
		}
		if run.Status.Phase.Completed() {
			break
		}
		if !now.Before(end) {
			if terminated {
				break
			}
			// The Rollout finished its steps: the rollout controller terminates its background run.
			run.Spec.Terminate, terminated = true, true
			continue
		}
		if q.after == nil {
			break
		}
		next := now.Add(max(*q.after, time.Second))
		if next.After(end) {
			next = end
		}
		now = next
	}
	at := func(t *metav1.Time) string {
		if t == nil {
			return "never"
		}
		return "+" + t.Sub(t0).String()
	}
	var problems []string
	if run.Status.Phase != s.expect {
		problems = append(problems, fmt.Sprintf("ends %s (%q), expected %s", run.Status.Phase, run.Status.Message, s.expect))
	}
	if s.expect != v1alpha1.AnalysisPhaseSuccessful && terminated {
		problems = append(problems, fmt.Sprintf("still %s when the Rollout finished its steps at +%s: promoted without a verdict", base.Status.Phase, remaining))
	}
	var firsts []string
	for _, m := range base.Spec.Metrics {
		first, measured := firstOf[m.Name]
		if !measured {
			if s.expect == v1alpha1.AnalysisPhaseSuccessful {
				problems = append(problems, fmt.Sprintf("metric %s was never measured", m.Name))
			}
			continue
		}
		firsts = append(firsts, fmt.Sprintf("%s %s %s=%s", m.Name, at(first.StartedAt), first.Phase, first.Value))
		if s.expect == v1alpha1.AnalysisPhaseSuccessful && first.Phase != v1alpha1.AnalysisPhaseSuccessful {
			problems = append(problems, fmt.Sprintf("the first measurement of %s (at %s) is %s (value %s), not Successful", m.Name, at(first.StartedAt), first.Phase, first.Value))
		}
	}
	for _, r := range run.Status.MetricResults {
		if s.expect == v1alpha1.AnalysisPhaseInconclusive && r.Successful > 0 {
			problems = append(problems, fmt.Sprintf("metric %s counted %d Successful measurement(s) without data", r.Name, r.Successful))
		}
		if s.expect == v1alpha1.AnalysisPhaseSuccessful && (r.Failed > 0 || r.Inconclusive > 0 || r.Error > 0) {
			problems = append(problems, fmt.Sprintf("metric %s of a healthy canary counted %d failed, %d inconclusive, %d error measurement(s)", r.Name, r.Failed, r.Inconclusive, r.Error))
		}
		if verbose {
			for _, m := range r.Measurements {
				fmt.Printf("       %s %s %s %s %s\n", r.Name, at(m.StartedAt), m.Phase, m.Value, m.Message)
			}
		}
	}
	summary := fmt.Sprintf("%s → %s at %s; first measurements: %s", s.name, run.Status.Phase, at(run.Status.CompletedAt), strings.Join(firsts, ", "))
	if len(problems) > 0 {
		fmt.Printf("FAIL %s: %s\n     %s\n", name, summary, indent(strings.Join(problems, "\n")))
		return len(problems)
	}
	fmt.Printf("ok   %s: %s\n", name, summary)
	return 0
}
