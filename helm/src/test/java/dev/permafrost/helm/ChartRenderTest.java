package dev.permafrost.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Lints the permafrost Helm chart and checks what it renders, using helm-java's bundled Helm. */
class ChartRenderTest {

  private static final Path CHART = Path.of("permafrost");
  private static final String RELEASE = "permafrost";

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
  private static final Pattern KIND = Pattern.compile("(?m)^kind: (\\S+)$");
  private static final Pattern METADATA_NAME = Pattern.compile("(?m)^metadata:\\n  name: (\\S+)$");

  @Test
  void lintPassesStrictly() {
    LintResult result = new Helm(CHART).lint().strict().call();

    assertThat(result.isFailed()).as("lint messages: %s", result.getMessages()).isFalse();
  }

  @Test
  void rendersDeploymentServiceAndConfigMapPerService() {
    String rendered =
        template()
            .set("s3.bucket", "permafrost-cold-test")
            .set("s3.endpoint", "http://minio:9000")
            .call();

    assertThat(resources(rendered))
        .containsExactlyInAnyOrder(
            "Deployment/permafrost-exporter",
            "Deployment/permafrost-archive",
            "Deployment/permafrost-query",
            "Service/permafrost-exporter",
            "Service/permafrost-archive",
            "Service/permafrost-query",
            "ConfigMap/permafrost-exporter",
            "ConfigMap/permafrost-archive",
            "ConfigMap/permafrost-query");
    assertThat(count(rendered, "(?m)^kind: Deployment$")).isEqualTo(3);
    assertThat(count(rendered, "(?m)^kind: Service$")).isEqualTo(3);
    assertThat(count(rendered, "(?m)^kind: ConfigMap$")).isEqualTo(3);
    assertThat(count(rendered, "type: ClusterIP")).isEqualTo(3);

    assertThat(count(rendered, "path: /q/health/live\\n\\s+port: http")).isEqualTo(3);
    assertThat(count(rendered, "path: /q/health/ready\\n\\s+port: http")).isEqualTo(3);
    assertThat(count(rendered, "containerPort: 8080")).isEqualTo(3);
    assertThat(count(rendered, "QUARKUS_HTTP_PORT: \"8080\"")).isEqualTo(3);

    assertThat(
            count(rendered, "secretKeyRef:\\n\\s+name: permafrost-postgresql\\n\\s+key: username"))
        .isEqualTo(3);
    assertThat(
            count(rendered, "secretKeyRef:\\n\\s+name: permafrost-postgresql\\n\\s+key: password"))
        .isEqualTo(3);
    assertThat(count(rendered, "secretKeyRef:\\n\\s+name: permafrost-s3\\n\\s+key: access-key-id"))
        .isEqualTo(3);
    assertThat(
            count(rendered, "secretKeyRef:\\n\\s+name: permafrost-s3\\n\\s+key: secret-access-key"))
        .isEqualTo(3);
    assertThat(rendered)
        .contains(
            "- name: QUARKUS_DATASOURCE_USERNAME",
            "- name: QUARKUS_DATASOURCE_PASSWORD",
            "- name: QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_ACCESS_KEY_ID",
            "- name: QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_SECRET_ACCESS_KEY");
    assertThat(count(rendered, "configMapRef:\\n\\s+name: permafrost-(exporter|archive|query)"))
        .isEqualTo(3);
    assertThat(count(rendered, "checksum/config: [0-9a-f]{64}")).isEqualTo(3);

    assertThat(count(rendered, "PERMAFROST_OBJECT_STORE_BUCKET: \"permafrost-cold-test\""))
        .isEqualTo(3);
    assertThat(count(rendered, "QUARKUS_S3_ENDPOINT_OVERRIDE: \"http://minio:9000\"")).isEqualTo(3);
    assertThat(rendered)
        .contains(
            "QUARKUS_DATASOURCE_JDBC_URL: \"jdbc:postgresql://postgresql:5432/permafrost\"",
            "KAFKA_BOOTSTRAP_SERVERS: \"kafka:9092\"",
            "QUARKUS_S3_AWS_REGION: \"us-east-1\"",
            "QUARKUS_S3_PATH_STYLE_ACCESS: \"false\"",
            "PERMAFROST_OBJECT_STORE_PREFIX: \"cold\"",
            "image: \"ghcr.io/permafrost/query-service:0.1.0\"");
  }

  @Test
  void passesAServicesOwnSettingsToThatServiceOnly() {
    String rendered =
        template()
            .set("exporter.config.PERMAFROST_EXPORTER_WIKIMEDIA_CATCH_UP_SCHEDULE", "0 20 * * * ?")
            .call();

    assertThat(
            count(
                rendered,
                "PERMAFROST_EXPORTER_WIKIMEDIA_CATCH_UP_SCHEDULE: \"0 20 \\* \\* \\* \\?\""))
        .isEqualTo(1);
    assertThat(count(rendered, "PERMAFROST_QUERY_WIKIMEDIA_DENY_LIST: \"\"")).isEqualTo(1);
  }

  @Test
  void leavesTheEndpointOverrideOutForAwsS3() {
    assertThat(template().call()).doesNotContain("QUARKUS_S3_ENDPOINT_OVERRIDE");
  }

  @Test
  void configChangeChangesThePodChecksum() {
    List<String> before = matches(template().call(), "checksum/config: (\\S+)");
    List<String> after =
        matches(template().set("s3.bucket", "another-bucket").call(), "checksum/config: (\\S+)");

    assertThat(before).hasSize(3).doesNotHaveDuplicates();
    assertThat(after).hasSize(3).doesNotContainAnyElementsOf(before);
  }

  @Test
  void disabledServiceIsNotRendered() {
    String rendered = template().set("query.enabled", false).call();

    assertThat(count(rendered, "(?m)^kind: Deployment$")).isEqualTo(2);
    assertThat(resources(rendered))
        .containsExactlyInAnyOrder(
            "Deployment/permafrost-exporter",
            "Deployment/permafrost-archive",
            "Service/permafrost-exporter",
            "Service/permafrost-archive",
            "ConfigMap/permafrost-exporter",
            "ConfigMap/permafrost-archive");
    assertThat(rendered).doesNotContain("permafrost-query");
  }

  private static TemplateCommand template() {
    return new Helm(CHART).template().withName(RELEASE);
  }

  /** Each rendered document as "Kind/metadata.name". */
  private static List<String> resources(String rendered) {
    List<String> resources = new ArrayList<>();
    for (String document : DOCUMENT_SEPARATOR.split(rendered)) {
      Matcher kind = KIND.matcher(document);
      if (kind.find()) {
        Matcher name = METADATA_NAME.matcher(document);
        assertThat(name.find()).as("metadata.name in %s", document).isTrue();
        resources.add(kind.group(1) + "/" + name.group(1));
      }
    }
    return resources;
  }

  private static int count(String text, String regex) {
    return matches(text, regex).size();
  }

  private static List<String> matches(String text, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(text);
    List<String> found = new ArrayList<>();
    while (matcher.find()) {
      found.add(matcher.groupCount() > 0 ? matcher.group(1) : matcher.group());
    }
    return found;
  }
}
