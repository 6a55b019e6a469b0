// Command argo-analysis judges the rendered Argo Rollouts and their AnalysisTemplates with Argo
// Rollouts' own Go code (github.com/argoproj/argo-rollouts, the version of go.mod, which is the
// release the CRDs in /work/shared/crds come from):
//
//  1. every Rollout with pkg/apis/rollouts/validation: ValidateRollout, then
//     ValidateRolloutReferencedResources with the Services, Ingresses and AnalysisTemplates it names
//     (what the rollout controller does before it acts; a referenced object that is not rendered is
//     an error, as the controller reports it);
//  2. every background analysis by running the analysis controller itself (analysis.Controller's
//     reconcileAnalysisRun, the Prometheus provider, utils/evaluate) on a simulated clock against a
//     fake Prometheus, in four scenarios: healthy, failing (each metric that can fail, alone),
//     empty result and NaN. Prometheus has no canary series until two scrapes after the canary
//     takes traffic (rate() needs two samples), which is when the background analysis starts
//     (startingStep after the first setWeight).
//
// Expected: healthy → every metric's first measurement Successful and the run Successful when the
// Rollout finishes; failing → the run Failed before the Rollout's steps end; empty / NaN → never
// Successful, and the run ends Inconclusive (the Rollout pauses for a person) before the steps end,
// rather than running on or erroring into an abort.
//
// Usage: argo-analysis [-scrape-interval 60s] [-v] <manifest.yaml>...
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	log "github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/validation"
	ingressutil "github.com/argoproj/argo-rollouts/utils/ingress"
)

type objects struct {
	rollouts  []*v1alpha1.Rollout
	templates map[string]*v1alpha1.AnalysisTemplate
	services  map[string]*corev1.Service
	ingresses map[string]*networkingv1.Ingress
}

func key(ns, name string) string { return ns + "/" + name }

var verbose bool

func main() {
	scrape := flag.Duration("scrape-interval", 60*time.Second, "Prometheus scrape interval assumed for the canary's series (Prometheus' default global scrape_interval is 1m)")
	flag.BoolVar(&verbose, "v", false, "print every measurement")
	flag.Parse()
	log.SetLevel(log.PanicLevel)
	log.SetOutput(io.Discard)
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: argo-analysis [-scrape-interval 60s] <manifest.yaml>...")
		os.Exit(2)
	}
	objs, err := load(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "argo-analysis:", err)
		os.Exit(2)
	}
	if len(objs.rollouts) == 0 {
		fmt.Fprintln(os.Stderr, "argo-analysis: no Rollout in the given files")
		os.Exit(1)
	}
	problems := 0
	for _, ro := range objs.rollouts {
		name := key(ro.Namespace, ro.Name)
		errs := validateRollout(ro, objs)
		for _, e := range errs {
			fmt.Printf("FAIL %s: %s\n", name, e)
		}
		problems += len(errs)
		if len(errs) > 0 {
			continue
		}
		fmt.Printf("ok   %s: valid for the rollout controller (ValidateRollout + referenced resources)\n", name)
		ps := judgeAnalysis(ro, objs, *scrape)
		problems += ps
		problems += judgeStepJobs(ro, objs)
	}
	if problems > 0 {
		fmt.Printf("argo-analysis: %d problem(s)\n", problems)
		os.Exit(1)
	}
	fmt.Printf("argo-analysis: %d Rollout(s) valid, their analysis passes a healthy canary and stops a failing one\n", len(objs.rollouts))
}

// load reads every YAML document and keeps the kinds the rollout controller reads.
func load(files []string) (*objects, error) {
	o := &objects{templates: map[string]*v1alpha1.AnalysisTemplate{}, services: map[string]*corev1.Service{}, ingresses: map[string]*networkingv1.Ingress{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for {
			doc, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &head); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			strict := func(into any) error {
				if err := yaml.UnmarshalStrict(doc, into); err != nil {
					return fmt.Errorf("%s: %s: %w", f, head.Kind, err)
				}
				return nil
			}
			switch {
			case head.APIVersion == "argoproj.io/v1alpha1" && head.Kind == "Rollout":
				ro := &v1alpha1.Rollout{}
				if err := strict(ro); err != nil {
					return nil, err
				}
				o.rollouts = append(o.rollouts, ro)
			case head.APIVersion == "argoproj.io/v1alpha1" && head.Kind == "AnalysisTemplate":
				t := &v1alpha1.AnalysisTemplate{}
				if err := strict(t); err != nil {
					return nil, err
				}
				o.templates[key(t.Namespace, t.Name)] = t
			case head.APIVersion == "v1" && head.Kind == "Service":
				s := &corev1.Service{}
				if err := strict(s); err != nil {
					return nil, err
				}
				o.services[key(s.Namespace, s.Name)] = s
			case head.APIVersion == "networking.k8s.io/v1" && head.Kind == "Ingress":
				i := &networkingv1.Ingress{}
				if err := strict(i); err != nil {
					return nil, err
				}
				o.ingresses[key(i.Namespace, i.Name)] = i
			}
		}
	}
	return o, nil
}

// validateRollout is what the rollout controller checks before it acts (rollout/controller.go
// getRolloutValidationErrors → ValidateRollout, getReferencedResources → ValidateRolloutReferencedResources).
func validateRollout(ro *v1alpha1.Rollout, o *objects) []string {
	var out []string
	for _, e := range validation.ValidateRollout(ro) {
		out = append(out, e.Error())
	}
	canary := ro.Spec.Strategy.Canary
	if canary == nil {
		return append(out, "not a canary strategy")
	}
	refs := validation.ReferencedResources{}
	for _, s := range []struct {
		name string
		typ  validation.ServiceType
	}{{canary.StableService, validation.StableService}, {canary.CanaryService, validation.CanaryService}} {
		if s.name == "" {
			continue
		}
		svc, ok := o.services[key(ro.Namespace, s.name)]
		if !ok {
			out = append(out, fmt.Sprintf("%s %q is not rendered (the controller reports: service not found)", s.typ, s.name))
			continue
		}
		refs.ServiceWithType = append(refs.ServiceWithType, validation.ServiceWithType{Service: svc, Type: s.typ})
	}
	if tr := canary.TrafficRouting; tr != nil {
		if err := validation.ValidateRolloutNginxIngressesConfig(ro); err != nil {
			out = append(out, err.Error())
		}
		if err := validation.ValidateRolloutAlbIngressesConfig(ro); err != nil {
			out = append(out, err.Error())
		}
		var names []string
		if tr.Nginx != nil {
			names = append(append(names, tr.Nginx.StableIngress), tr.Nginx.StableIngresses...)
		}
		if tr.ALB != nil {
			names = append(append(names, tr.ALB.Ingress), tr.ALB.Ingresses...)
		}
		for _, n := range names {
			if n == "" {
				continue
			}
			ing, ok := o.ingresses[key(ro.Namespace, n)]
			if !ok {
				out = append(out, fmt.Sprintf("Ingress %q is not rendered (the controller reports: ingress not found)", n))
				continue
			}
			refs.Ingresses = append(refs.Ingresses, *ingressutil.NewIngress(ing))
		}
	}
	if canary.Analysis != nil {
		tpls, missing := backgroundTemplates(ro, o)
		out = append(out, missing...)
		refs.AnalysisTemplatesWithType = append(refs.AnalysisTemplatesWithType, validation.AnalysisTemplatesWithType{
			AnalysisTemplates: tpls, TemplateType: validation.BackgroundAnalysis, Args: canary.Analysis.Args,
		})
	}
	// Step analyses (an experiment's decision): the controller refuses a step whose metric runs
	// indefinitely (validation_references.go ValidateAnalysisTemplateWithType, InlineAnalysis).
	for i, s := range canary.Steps {
		if s.Analysis == nil {
			continue
		}
		tpls, missing := templatesOf(ro, s.Analysis.Templates, o)
		out = append(out, missing...)
		refs.AnalysisTemplatesWithType = append(refs.AnalysisTemplatesWithType, validation.AnalysisTemplatesWithType{
			AnalysisTemplates: tpls, TemplateType: validation.InlineAnalysis, Args: s.Analysis.Args, CanaryStepIndex: i,
		})
	}
	for _, e := range validation.ValidateRolloutReferencedResources(ro, refs) {
		out = append(out, e.Error())
	}
	return out
}

func backgroundTemplates(ro *v1alpha1.Rollout, o *objects) ([]*v1alpha1.AnalysisTemplate, []string) {
	return templatesOf(ro, ro.Spec.Strategy.Canary.Analysis.Templates, o)
}

func templatesOf(ro *v1alpha1.Rollout, refs []v1alpha1.AnalysisTemplateRef, o *objects) ([]*v1alpha1.AnalysisTemplate, []string) {
	var tpls []*v1alpha1.AnalysisTemplate
	var missing []string
	for _, ref := range refs {
		if ref.IsClusterScope() {
			missing = append(missing, fmt.Sprintf("ClusterAnalysisTemplate %q is not checked here", ref.TemplateName))
			continue
		}
		t, ok := o.templates[key(ro.Namespace, ref.TemplateName)]
		if !ok {
			missing = append(missing, fmt.Sprintf("AnalysisTemplate %q is not rendered (the controller reports: analysistemplate not found)", ref.TemplateName))
			continue
		}
		tpls = append(tpls, t.DeepCopy())
	}
	return tpls, missing
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n     ") }
