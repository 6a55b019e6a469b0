// Command knative-validate checks KServe InferenceServices in Knative mode with Knative's own code.
//
// For every InferenceService in the given manifests whose deployment mode is Knative (or the
// deprecated Serverless, or unset), it builds the Knative Service the way the KServe 0.20
// controller does from the predictor, then runs what Knative Serving's admission webhook runs
// on it: SetDefaults, then Validate, with the config-features flags read from -features (the
// ConfigMap the README asks the user to apply). Any error fails; warnings are printed.
//
// Modelled on kserve v0.20.0:
//   - pkg/controller/v1beta1/inferenceservice/components/predictor.go buildPredictorResources:
//     isvc annotations minus serviceAnnotationDisallowedList, the container named
//     kserve-container first, INFERENCE_SERVICE_NAME in every container, labels and
//     annotations of the isvc and the predictor, name <isvc>[-<predictor name>]-predictor.
//   - pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go
//     createKnativeService: autoscaling annotations (pkg/controller/v1alpha1/utils
//     SetAutoScalingAnnotations), rollout-duration on the Service, traffic (all to the latest
//     revision on create; canaryTrafficPercent to the latest and the rest to the previous
//     revision once one rolled out), timeout, responseStartTimeout, containerConcurrency,
//     the pod spec, template labels minus serviceLabelDisallowedList.
//   - pkg/apis/serving/v1beta1/predictor_custom.go Default: a single container is named
//     kserve-container.
//
// Predictor fields this check does not model (framework or model specs, storage URIs, workers,
// logger, batcher, transformer, explainer) are rejected as unsupported rather than ignored: the
// library renders none of them.
//
// Usage: knative-validate -features config-features.yaml [-expect-reject] manifest.yaml...
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	"knative.dev/serving/pkg/apis/config"
	knservingv1 "knative.dev/serving/pkg/apis/serving/v1"
	"sigs.k8s.io/yaml"
)

// kserve v0.20.0 pkg/constants/constants.go.
const (
	deploymentModeAnnotation = "serving.kserve.io/deploymentMode"
	containerName            = "kserve-container"
	isvcNameEnv              = "INFERENCE_SERVICE_NAME"
	isvcPodLabel             = "serving.kserve.io/inferenceservice"
	componentLabel           = "component"
	rolloutDurationKey       = "serving.knative.dev/rollout-duration"
	openshiftPassthroughKey  = "serving.knative.openshift.io/enablePassthrough"
	enableTagRoutingKey      = "serving.kserve.io/enable-tag-routing"
	defaultMinReplicas       = 1
)

// Default serviceAnnotationDisallowedList and RevisionTemplateLabelDisallowedList (kserve v0.20.0
// pkg/constants/constants.go; the inferenceservice-config ConfigMap can only append to them).
var (
	annotationDisallowed = []string{
		autoscaling.MinScaleAnnotationKey, autoscaling.MaxScaleAnnotationKey,
		"internal.serving.kserve.io/storage-initializer-sourceuri",
		"kubectl.kubernetes.io/last-applied-configuration", "modelFormat",
	}
	labelDisallowed = []string{"networking.knative.dev/visibility"}
)

// predictorSpec mirrors kserve v1beta1.PredictorSpec for a custom predictor: the pod spec and
// the ComponentExtensionSpec, decoded strictly so that a field it does not know fails.
type predictorSpec struct {
	Name string `json:"name,omitempty"`
	corev1.PodSpec
	MinReplicas          *int32             `json:"minReplicas,omitempty"`
	MaxReplicas          int32              `json:"maxReplicas,omitempty"`
	ScaleTarget          *int32             `json:"scaleTarget,omitempty"`
	ScaleMetric          *string            `json:"scaleMetric,omitempty"`
	ScaleMetricType      *string            `json:"scaleMetricType,omitempty"`
	ContainerConcurrency *int64             `json:"containerConcurrency,omitempty"`
	TimeoutSeconds       *int64             `json:"timeout,omitempty"`
	CanaryTrafficPercent *int64             `json:"canaryTrafficPercent,omitempty"`
	Labels               map[string]string  `json:"labels,omitempty"`
	Annotations          map[string]string  `json:"annotations,omitempty"`
	DeploymentStrategy   map[string]any     `json:"deploymentStrategy,omitempty"` // raw mode only
	AutoScaling          map[string]any     `json:"autoScaling,omitempty"`        // raw mode (HPA/KEDA) only
}

type inferenceService struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Predictor predictorSpec `json:"predictor"`
	} `json:"spec"`
}

func main() {
	featuresFile := flag.String("features", "", "YAML of the config-features ConfigMap (its data) Knative runs with")
	expectReject := flag.Bool("expect-reject", false, "self-test: succeed only if Knative rejects every InferenceService (each a planted fault)")
	flag.Parse()
	if *featuresFile == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: knative-validate -features config-features.yaml [-expect-reject] manifest.yaml...")
		os.Exit(2)
	}
	features, err := readFeatures(*featuresFile)
	if err != nil {
		fatal(err)
	}
	ctx := config.ToContext(context.Background(), &config.Config{Features: features})
	ctx = apis.WithinCreate(ctx)

	checked, rejected := 0, 0
	for _, file := range flag.Args() {
		isvcs, err := readInferenceServices(file)
		if err != nil {
			fatal(fmt.Errorf("%s: %w", file, err))
		}
		for _, isvc := range isvcs {
			id := fmt.Sprintf("%s: InferenceService %s/%s", file, isvc.Metadata.Namespace, isvc.Metadata.Name)
			mode := isvc.Metadata.Annotations[deploymentModeAnnotation]
			if mode != "" && mode != "Knative" && mode != "Serverless" {
				fmt.Printf("%s: skipped (deploymentMode %s: no Knative Service)\n", id, mode)
				continue
			}
			checked++
			problems := validate(ctx, isvc)
			if len(problems) > 0 {
				rejected++
				for _, p := range problems {
					fmt.Printf("%s: rejected: %s\n", id, p)
				}
				continue
			}
			fmt.Printf("%s: accepted by Knative Serving validation\n", id)
			if *expectReject {
				fatal(fmt.Errorf("%s: accepted a planted fault: the check is not really checking", id))
			}
		}
	}
	if *expectReject && checked > 0 {
		fmt.Printf("knative-validate: %d of %d rejected, as expected\n", rejected, checked)
		return
	}
	if checked == 0 {
		fatal(errors.New("no InferenceService in Knative mode found: nothing was checked"))
	}
	if rejected > 0 {
		fatal(fmt.Errorf("%d of %d InferenceServices rejected by Knative", rejected, checked))
	}
	fmt.Printf("knative-validate: %d InferenceServices accepted (knative.dev/serving, features from %s)\n", checked, *featuresFile)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "knative-validate:", err)
	os.Exit(1)
}

// readFeatures parses a config-features ConfigMap with Knative's own parser.
func readFeatures(file string) (*config.Features, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(raw, &cm); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if cm.Name != config.FeaturesConfigName {
		return nil, fmt.Errorf("%s: expected the ConfigMap %s, got %q", file, config.FeaturesConfigName, cm.Name)
	}
	return config.NewFeaturesConfigFromConfigMap(&cm)
}

func readInferenceServices(file string) ([]inferenceService, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var out []inferenceService
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, err
		}
		if meta.Kind != "InferenceService" || meta.APIVersion != "serving.kserve.io/v1beta1" {
			continue
		}
		var isvc inferenceService
		if err := yaml.UnmarshalStrict(doc, &isvc); err != nil {
			return nil, fmt.Errorf("InferenceService not understood by this check (a field KServe handles that it does not model?): %w", err)
		}
		out = append(out, isvc)
	}
}

// validate runs Knative's defaulting and validation on the Service KServe would create, once as
// created (all traffic to the latest revision) and once as updated with a canary (the split).
func validate(ctx context.Context, isvc inferenceService) []string {
	svc, err := knativeService(isvc, "")
	if err != nil {
		return []string{err.Error()}
	}
	shapes := []*knservingv1.Service{svc}
	if isvc.Spec.Predictor.CanaryTrafficPercent != nil {
		canary, _ := knativeService(isvc, svc.Name+"-00001")
		shapes = append(shapes, canary)
	}
	var problems []string
	seen := map[string]bool{}
	for _, s := range shapes {
		s.SetDefaults(ctx)
		fe := s.Validate(ctx)
		for _, w := range fe.Filter(apis.WarningLevel).WrappedErrors() {
			fmt.Printf("  warning (%s): %v\n", s.Name, w)
		}
		if e := fe.Filter(apis.ErrorLevel); e != nil {
			for _, we := range e.WrappedErrors() {
				if msg := strings.ReplaceAll(we.Error(), "\n", " "); !seen[msg] {
					seen[msg] = true
					problems = append(problems, msg)
				}
			}
		}
	}
	return problems
}

// knativeService is KServe's buildPredictorResources + createKnativeService for a custom
// predictor; previousRevision is the LatestRolledoutRevision of the status ("" on create).
func knativeService(isvc inferenceService, previousRevision string) (*knservingv1.Service, error) {
	p := isvc.Spec.Predictor
	podSpec := *p.PodSpec.DeepCopy()
	// CustomPredictor.Default: one container, or an unnamed first one, is the model server.
	if len(podSpec.Containers) == 1 || (len(podSpec.Containers) > 0 && podSpec.Containers[0].Name == "") {
		podSpec.Containers[0].Name = containerName
	}
	// CustomPredictor.GetContainer, then podSpec.Containers[0] = predContainer.
	idx := slices.IndexFunc(podSpec.Containers, func(c corev1.Container) bool { return c.Name == containerName })
	if idx < 0 {
		return nil, fmt.Errorf("spec.predictor: no container named %s (KServe's custom predictor needs one)", containerName)
	}
	podSpec.Containers[0] = *podSpec.Containers[idx].DeepCopy()
	for i := range podSpec.Containers {
		addEnv(&podSpec.Containers[i], isvcNameEnv, isvc.Metadata.Name)
	}

	name := isvc.Metadata.Name + "-predictor"
	if p.Name != "" {
		name = isvc.Metadata.Name + "-" + p.Name + "-predictor"
	}
	labels := union(isvc.Metadata.Labels, p.Labels, map[string]string{isvcPodLabel: isvc.Metadata.Name, componentLabel: "predictor"})
	annotations := union(without(isvc.Metadata.Annotations, annotationDisallowed), without(p.Annotations, annotationDisallowed))

	// SetAutoScalingAnnotations.
	if _, ok := annotations[autoscaling.ClassAnnotationKey]; !ok {
		annotations[autoscaling.ClassAnnotationKey] = autoscaling.KPA
	}
	if p.ScaleTarget != nil {
		annotations[autoscaling.TargetAnnotationKey] = strconv.Itoa(int(*p.ScaleTarget))
	}
	if p.ScaleMetric != nil {
		annotations[autoscaling.MetricAnnotationKey] = *p.ScaleMetric
	}
	minReplicas := int32(defaultMinReplicas)
	if p.MinReplicas != nil {
		minReplicas = *p.MinReplicas
	}
	annotations[autoscaling.MinScaleAnnotationKey] = strconv.Itoa(int(minReplicas))
	if p.MaxReplicas != 0 {
		annotations[autoscaling.MaxScaleAnnotationKey] = strconv.Itoa(int(p.MaxReplicas))
	}

	ksvcAnnotations := map[string]string{}
	for _, k := range []string{rolloutDurationKey, openshiftPassthroughKey} {
		if v, ok := annotations[k]; ok {
			ksvcAnnotations[k] = v
			delete(annotations, k)
		}
	}

	tag := ""
	if annotations[enableTagRoutingKey] == "true" {
		tag = "latest"
	}
	traffic := []knservingv1.TrafficTarget{{LatestRevision: ptr(true), Percent: ptr(int64(100)), Tag: tag}}
	if p.CanaryTrafficPercent != nil && previousRevision != "" {
		traffic = []knservingv1.TrafficTarget{{LatestRevision: ptr(true), Percent: ptr(*p.CanaryTrafficPercent), Tag: tag}}
		if *p.CanaryTrafficPercent < 100 {
			traffic = append(traffic, knservingv1.TrafficTarget{
				RevisionName: previousRevision, LatestRevision: ptr(false), Percent: ptr(100 - *p.CanaryTrafficPercent), Tag: "prev",
			})
		}
	}

	return &knservingv1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "serving.knative.dev/v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: isvc.Metadata.Namespace, Labels: labels, Annotations: ksvcAnnotations},
		Spec: knservingv1.ServiceSpec{
			ConfigurationSpec: knservingv1.ConfigurationSpec{
				Template: knservingv1.RevisionTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: without(labels, labelDisallowed), Annotations: annotations},
					Spec: knservingv1.RevisionSpec{
						TimeoutSeconds:              p.TimeoutSeconds,
						ResponseStartTimeoutSeconds: p.TimeoutSeconds,
						ContainerConcurrency:        p.ContainerConcurrency,
						PodSpec:                     podSpec,
					},
				},
			},
			RouteSpec: knservingv1.RouteSpec{Traffic: traffic},
		},
	}, nil
}

// addEnv is kserve's isvcutils.AddEnvVarToPodSpec: replace the variable or append it.
func addEnv(c *corev1.Container, name, value string) {
	for i := range c.Env {
		if c.Env[i].Name == name {
			c.Env[i].Value = value
			return
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: value})
}

// union is kserve's utils.Union: later maps win.
func union(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func without(m map[string]string, keys []string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
