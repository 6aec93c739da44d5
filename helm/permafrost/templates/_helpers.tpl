{{/*
The services this chart deploys; each has a block of the same name in values.yaml.
*/}}
{{- define "permafrost.components" -}}
exporter archive query
{{- end }}

{{/*
Chart name, overridable with nameOverride.
*/}}
{{- define "permafrost.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: "<release>-<chart>", or just the release name when it already
contains the chart name. Truncated so that "-<component>" still fits the 63-character limit.
*/}}
{{- define "permafrost.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 53 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 53 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 53 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "permafrost.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of one service's resources. Takes a dict with "root" (the top-level context) and
"component" (exporter, archive or query).
*/}}
{{- define "permafrost.componentName" -}}
{{- printf "%s-%s" (include "permafrost.fullname" .root) .component }}
{{- end }}

{{/*
Selector labels of one service (dict with "root" and "component").
*/}}
{{- define "permafrost.selectorLabels" -}}
app.kubernetes.io/name: {{ include "permafrost.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Common labels of one service (dict with "root" and "component").
*/}}
{{- define "permafrost.labels" -}}
helm.sh/chart: {{ include "permafrost.chart" .root }}
{{ include "permafrost.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: permafrost
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/*
Container image of one service (dict with "root" and "component").
*/}}
{{- define "permafrost.image" -}}
{{- $image := .root.Values.image }}
{{- $service := index .root.Values .component }}
{{- printf "%s/%s:%s" (trimSuffix "/" $image.repositoryPrefix) $service.image (default .root.Chart.AppVersion $image.tag) }}
{{- end }}

{{/*
The ConfigMap of one service (dict with "root" and "component"): its non-secret configuration as
Quarkus/SmallRye environment variables. The Deployment hashes this same template into a pod
annotation, so that a configuration change rolls the service's pods.
*/}}
{{- define "permafrost.configmap" -}}
{{- $values := .root.Values }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "permafrost.componentName" . }}
  labels:
    {{- include "permafrost.labels" . | nindent 4 }}
data:
  QUARKUS_HTTP_PORT: "8080"
  QUARKUS_DATASOURCE_JDBC_URL: {{ $values.postgresql.jdbcUrl | quote }}
  KAFKA_BOOTSTRAP_SERVERS: {{ $values.kafka.bootstrapServers | quote }}
  {{- with $values.s3.endpoint }}
  QUARKUS_S3_ENDPOINT_OVERRIDE: {{ . | quote }}
  {{- end }}
  QUARKUS_S3_AWS_REGION: {{ $values.s3.region | quote }}
  QUARKUS_S3_PATH_STYLE_ACCESS: {{ $values.s3.pathStyleAccess | quote }}
  PERMAFROST_OBJECT_STORE_BUCKET: {{ $values.s3.bucket | quote }}
  PERMAFROST_OBJECT_STORE_PREFIX: {{ $values.s3.prefix | quote }}
  {{- range $name, $value := (index $values .component).config }}
  {{ $name }}: {{ $value | quote }}
  {{- end }}
{{- end }}
