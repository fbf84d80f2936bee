package main

// KWOK runs as root and serves the file a Logs object names through pods/log.
// Anyone who may create Logs objects in the workers cluster could otherwise
// read any host file (`kubectl logs` of a pod whose Logs says /root/.ssh/id_rsa).
// A ValidatingAdmissionPolicy admits only log files under the lab's pods/
// folder, where the pod runner writes each container's log; ClusterLogs is not
// enabled in KWOK at all (specs.go).

import (
	"context"
	"fmt"
	"strings"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const logsPolicyName = "kubemark-lab-logs-files"

// celString quotes s as a CEL string literal.
func celString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// logsFileRule is the CEL expression that admits a Logs object: every file it
// names lies under podsDir (no "..", so no climbing out).
func logsFileRule(podsDir string) string {
	prefix := celString(strings.TrimRight(podsDir, "/") + "/")
	ok := func(f string) string {
		return fmt.Sprintf("(%s.startsWith(%s) && !%s.contains('/../') && !%s.endsWith('/..'))", f, prefix, f, f)
	}
	return fmt.Sprintf("!has(object.spec.logs) || object.spec.logs.all(l, (!has(l.logsFile) || %s) && (!has(l.previousLogsFile) || %s))",
		ok("l.logsFile"), ok("l.previousLogsFile"))
}

func logsPolicy(podsDir string) (*admissionv1.ValidatingAdmissionPolicy, *admissionv1.ValidatingAdmissionPolicyBinding) {
	fail := admissionv1.Fail
	p := &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: logsPolicyName},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionv1.MatchResources{
				ResourceRules: []admissionv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionv1.RuleWithOperations{
						Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
						Rule:       admissionv1.Rule{APIGroups: []string{"kwok.x-k8s.io"}, APIVersions: []string{"*"}, Resources: []string{"logs", "clusterlogs"}},
					},
				}},
			},
			Validations: []admissionv1.Validation{{
				Expression: logsFileRule(podsDir),
				Message:    "kubemark-lab: KWOK serves only log files under the lab's pods folder (" + podsDir + "), where the pod runner writes container logs",
			}},
		},
	}
	b := &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: logsPolicyName},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        logsPolicyName,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
		},
	}
	return p, b
}

// ensureLogsPolicy installs (or updates) the policy and its binding in the workers cluster.
func ensureLogsPolicy(ctx context.Context, cs kubernetes.Interface, podsDir string) error {
	p, b := logsPolicy(podsDir)
	api := cs.AdmissionregistrationV1()
	if _, err := api.ValidatingAdmissionPolicies().Create(ctx, p, metav1.CreateOptions{}); apierrors.IsAlreadyExists(err) {
		cur, gerr := api.ValidatingAdmissionPolicies().Get(ctx, p.Name, metav1.GetOptions{})
		if gerr != nil {
			return gerr
		}
		cur.Spec = p.Spec
		if _, err := api.ValidatingAdmissionPolicies().Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if _, err := api.ValidatingAdmissionPolicyBindings().Create(ctx, b, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}
