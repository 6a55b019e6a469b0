package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeinformers "k8s.io/client-go/informers"
	k8sfake "k8s.io/client-go/kubernetes/fake"

	"github.com/argoproj/argo-rollouts/analysis"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	argofake "github.com/argoproj/argo-rollouts/pkg/client/clientset/versioned/fake"
	argoinformers "github.com/argoproj/argo-rollouts/pkg/client/informers/externalversions"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"github.com/argoproj/argo-rollouts/utils/record"
	timeutil "github.com/argoproj/argo-rollouts/utils/time"
)

// stepAnalysisHold is how long the background analysis is simulated while a step analysis holds
// the Rollout (an experiment's decision runs for days; two hours see every background metric's
// first measurements, an hour-long business window included, and their failure or inconclusion).
const stepAnalysisHold = 2 * time.Hour

// judgeStepJobs runs every Job metric of the Rollout's step analyses (an experiment's decision)
// through the analysis controller and Argo's Job provider (metricproviders/job): the Job the
// provider creates must carry every argument resolved, a Job that completes must make the run
// Successful (the Rollout goes on to the next step) and one that fails must make it Failed (the
// rollout controller aborts the Rollout on a failed step analysis: rollout/analysis.go).
func judgeStepJobs(ro *v1alpha1.Rollout, o *objects) int {
	name := key(ro.Namespace, ro.Name)
	problems := 0
	fail := func(format string, a ...any) {
		fmt.Printf("FAIL %s: %s\n", name, fmt.Sprintf(format, a...))
		problems++
	}
	hash := func(h string) *appsv1.ReplicaSet {
		return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{v1alpha1.DefaultRolloutUniqueLabelKey: h}}}
	}
	for i, step := range ro.Spec.Strategy.Canary.Steps {
		if step.Analysis == nil {
			continue
		}
		tpls, _ := templatesOf(ro, step.Analysis.Templates, o)
		args, err := analysisutil.BuildArgumentsForRolloutAnalysisRun(step.Analysis.Args, hash("5d8f7c6b9"), hash("7b6c9d8f5"), ro)
		if err != nil {
			fail("step %d analysis arguments: %v", i, err)
			continue
		}
		base, err := analysisutil.NewAnalysisRunFromTemplates(tpls, nil, args, step.Analysis.DryRun, step.Analysis.MeasurementRetention, map[string]string{}, map[string]string{}, fmt.Sprintf("%s-7b6c9d8f5-%d", ro.Name, i), "", ro.Namespace)
		if err != nil {
			fail("step %d analysis run: %v", i, err)
			continue
		}
		base.UID = "step-analysis-uid"
		for _, m := range base.Spec.Metrics {
			if m.Provider.Job == nil {
				fail("step %d metric %s: only Job metrics of step analyses are simulated", i, m.Name)
			}
		}
		if problems > 0 {
			continue
		}
		for _, s := range []struct {
			name   string
			cond   batchv1.JobConditionType
			expect v1alpha1.AnalysisPhase
		}{{"job completes", batchv1.JobComplete, v1alpha1.AnalysisPhaseSuccessful}, {"job fails", batchv1.JobFailed, v1alpha1.AnalysisPhaseFailed}} {
			phase, created, err := runStepJobs(base, s.cond)
			switch {
			case err != nil:
				fail("step %d analysis, %s: %v", i, s.name, err)
			case phase != s.expect:
				fail("step %d analysis, %s → %s, expected %s", i, s.name, phase, s.expect)
			default:
				fmt.Printf("ok   %s: step %d analysis, %s → %s (Jobs created: %s)\n", name, i, s.name, phase, strings.Join(created, ", "))
			}
		}
	}
	return problems
}

// runStepJobs reconciles the run until its Jobs exist, gives each the condition, and reconciles
// until the run completes; it returns the run's phase and the Jobs' names.
func runStepJobs(base *v1alpha1.AnalysisRun, cond batchv1.JobConditionType) (v1alpha1.AnalysisPhase, []string, error) {
	kube := k8sfake.NewSimpleClientset()
	argo := argofake.NewSimpleClientset()
	argoInf := argoinformers.NewSharedInformerFactory(argo, 0)
	kubeInf := kubeinformers.NewSharedInformerFactory(kube, 0)
	jobs := kubeInf.Batch().V1().Jobs()
	q := &queue{}
	c := analysis.NewController(analysis.ControllerConfig{
		KubeClientSet:        kube,
		ArgoProjClientset:    argo,
		AnalysisRunInformer:  argoInf.Argoproj().V1alpha1().AnalysisRuns(),
		JobInformer:          jobs,
		JobPodsInformer:      kubeInf.Core().V1().Pods(),
		AnalysisRunWorkQueue: q,
		Recorder:             record.NewFakeEventRecorder(),
	})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	timeutil.SetNowTimeFunc(func() time.Time { return now })
	run := base.DeepCopy()
	var created []string
	for i := 0; i < 50 && !run.Status.Phase.Completed(); i++ {
		run = reconcileAnalysisRun(c, run)
		list, err := kube.BatchV1().Jobs(base.Namespace).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return "", nil, err
		}
		for j := range list.Items {
			job := list.Items[j].DeepCopy()
			if _, seen, _ := jobs.Informer().GetIndexer().GetByKey(job.Namespace + "/" + job.Name); seen {
				continue
			}
			raw, _ := json.Marshal(job.Spec)
			if strings.Contains(string(raw), "{{") {
				return "", nil, fmt.Errorf("Job %s has an unresolved argument: %s", job.Name, raw)
			}
			created = append(created, job.Name)
			job.Status.Conditions = append(job.Status.Conditions, batchv1.JobCondition{Type: cond, Status: corev1.ConditionTrue})
			if err := jobs.Informer().GetIndexer().Add(job); err != nil {
				return "", nil, err
			}
		}
		now = now.Add(time.Minute)
	}
	if len(created) == 0 {
		return run.Status.Phase, nil, fmt.Errorf("the provider created no Job (run %s: %s)", run.Status.Phase, run.Status.Message)
	}
	return run.Status.Phase, created, nil
}
