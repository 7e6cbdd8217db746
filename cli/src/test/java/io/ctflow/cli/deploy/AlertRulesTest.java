package io.ctflow.cli.deploy;

import static io.ctflow.cli.deploy.DeploymentFilesTest.REPO;
import static io.ctflow.cli.deploy.DeploymentFilesTest.list;
import static io.ctflow.cli.deploy.DeploymentFilesTest.loadAll;
import static io.ctflow.cli.deploy.DeploymentFilesTest.map;
import static io.ctflow.cli.deploy.DeploymentFilesTest.onPath;
import static io.ctflow.cli.deploy.DeploymentFilesTest.run;
import static io.ctflow.cli.deploy.DeploymentFilesTest.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/prometheus: the alert rules are valid ({@code promtool check rules}), each fires and clears
 * on its unit-test series ({@code promtool test rules}), each has a summary, a description with a
 * hint and a runbook section in the README, and the PrometheusRule carries the same groups.
 */
class AlertRulesTest {
    static final Path RULES = REPO.resolve("deploy/prometheus/ctflow-rules.yaml");
    static final Path RULE_TESTS = REPO.resolve("deploy/prometheus/tests/ctflow-rules.test.yaml");
    static final Path OPERATOR = REPO.resolve("deploy/prometheus/operator");
    static final List<String> ALERTS = List.of("CtflowIncompleteNatOpen", "CtflowEventLoss", "CtflowConntrackTablePressure",
            "CtflowNodeSilent", "CtflowAppLagging", "CtflowNodeClockAhead");

    static List<Map<String, Object>> rules() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object g : list(loadAll(RULES).get(0).get("groups"))) {
            list(map(g).get("rules")).forEach(r -> out.add(map(r)));
        }
        return out;
    }

    @Test
    void promtoolChecksTheRules() throws Exception {
        assumeTrue(onPath("promtool").isPresent(), "promtool is not installed (Debian package prometheus): rules checked by the YAML tests only");
        DeploymentFilesTest.Result r = run(List.of("promtool", "check", "rules", RULES.toString()), 60);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS: " + ALERTS.size() + " rules found"), r.output());
    }

    @Test
    void promtoolProvesEachAlertFiresAndClears() throws Exception {
        assumeTrue(onPath("promtool").isPresent(), "promtool is not installed (Debian package prometheus): alert tests not run");
        DeploymentFilesTest.Result r = run(List.of("promtool", "test", "rules", RULE_TESTS.toString()), 120);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    /** promtool only checks what the test file asks: make sure it asks, for every alert, "firing" and then "not firing". */
    @Test
    void theUnitTestsCoverFiringAndClearingOfEveryAlert() throws IOException {
        Set<String> fires = new TreeSet<>();
        Set<String> clears = new TreeSet<>();
        for (Object t : list(loadAll(RULE_TESTS).get(0).get("tests"))) {
            Map<String, Long> firedAt = new java.util.HashMap<>();
            List<Map<String, Object>> cases = list(map(t).get("alert_rule_test")).stream().map(DeploymentFilesTest::map).toList();
            for (Map<String, Object> c : cases) {
                if (!list(c.get("exp_alerts")).isEmpty()) {
                    firedAt.merge(str(c.get("alertname")), minutes(str(c.get("eval_time"))), Math::min);
                    fires.add(str(c.get("alertname")));
                }
            }
            for (Map<String, Object> c : cases) {
                Long fired = firedAt.get(str(c.get("alertname")));
                if (list(c.get("exp_alerts")).isEmpty() && fired != null && minutes(str(c.get("eval_time"))) > fired) {
                    clears.add(str(c.get("alertname")));
                }
            }
        }
        assertEquals(new TreeSet<>(ALERTS), fires, "alerts proved to fire");
        assertEquals(new TreeSet<>(ALERTS), clears, "alerts proved to clear after firing");
    }

    static long minutes(String evalTime) {
        assertTrue(evalTime.matches("\\d+m"), "eval_time in minutes: " + evalTime);
        return Long.parseLong(evalTime.substring(0, evalTime.length() - 1));
    }

    @Test
    void everyAlertHasASummaryAHintAndARunbookSectionInTheReadme() throws IOException {
        List<Map<String, Object>> rules = rules();
        assertEquals(ALERTS, rules.stream().map(r -> str(r.get("alert"))).toList());
        Set<String> anchors = Files.readAllLines(REPO.resolve("README.md")).stream()
                .filter(l -> l.startsWith("#")).map(AlertRulesTest::githubAnchor).collect(Collectors.toSet());
        for (Map<String, Object> r : rules) {
            String name = str(r.get("alert"));
            Map<String, Object> a = map(r.get("annotations"));
            assertTrue(str(a.get("summary")) != null && !str(a.get("summary")).isBlank(), name + " has a summary");
            assertTrue(str(a.get("description")).contains("Hint:"), name + "'s description gives a hint");
            assertEquals("README.md#" + name.toLowerCase(Locale.ROOT), str(a.get("runbook_url")), name + "'s runbook");
            assertTrue(anchors.contains(name.toLowerCase(Locale.ROOT)), "README has a runbook section '" + name + "'");
            assertTrue(List.of("warning", "critical").contains(str(map(r.get("labels")).get("severity"))), name + " has a severity");
        }
    }

    /** GitHub's heading anchor: lower case, punctuation but '-' and '_' dropped, spaces to '-'. */
    static String githubAnchor(String heading) {
        String text = heading.replaceFirst("^#+\\s*", "").trim().toLowerCase(Locale.ROOT);
        return text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    @Test
    void thePrometheusRuleCarriesTheSameGroups() throws IOException {
        Map<String, Object> rule = loadAll(OPERATOR.resolve("prometheusrule.yaml")).get(0);
        assertEquals("monitoring.coreos.com/v1", rule.get("apiVersion"));
        assertEquals("PrometheusRule", rule.get("kind"));
        assertEquals(loadAll(RULES).get(0).get("groups"), map(rule.get("spec")).get("groups"));
        Map<String, Object> k = loadAll(OPERATOR.resolve("kustomization.yaml")).get(0);
        assertEquals(List.of("../../kubernetes", "prometheusrule.yaml", "podmonitors.yaml"), list(k.get("resources")));
        assertEquals("ctflow", k.get("namespace"));
    }

    @Test
    void kubectlKustomizeRendersTheOperatorOverlay() throws Exception {
        assumeTrue(onPath("kubectl").isPresent(), "kubectl is not installed: the overlay is checked by the YAML tests only");
        DeploymentFilesTest.Result r = run(List.of("kubectl", "kustomize", OPERATOR.toString()), 120);
        assertEquals(0, r.exit(), "kubectl kustomize failed:\n" + r.output());
        List<String> kinds = new ArrayList<>();
        for (Object doc : DeploymentFilesTest.yaml().loadAll(r.stdout())) {
            if (doc != null) {
                Map<String, Object> m = map(doc);
                kinds.add(str(m.get("kind")));
                assertEquals("ctflow", map(m.get("metadata")).getOrDefault("namespace", "ctflow"), "every object in ctflow");
            }
        }
        assertEquals(1, kinds.stream().filter("PrometheusRule"::equals).count(), String.valueOf(kinds));
        assertEquals(2, kinds.stream().filter("PodMonitor"::equals).count(), String.valueOf(kinds));
        assertTrue(kinds.contains("StatefulSet") && kinds.contains("DaemonSet"), "with the apps: " + kinds);
    }
}
