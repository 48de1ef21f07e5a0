{{/* The components, in the order objects are rendered; each is a key of values.yaml. */}}
{{- define "sculptor.components" -}}
registry scoring pruning training evaluation
{{- end }}

{{/* Components that may have an HPA (stateless); the training dispatcher has none (see values.yaml). */}}
{{- define "sculptor.scalable" -}}
registry scoring pruning evaluation
{{- end }}

{{/* The image name of a component: sculptor-<name>, as the images are built (registry -> model-registry). */}}
{{- define "sculptor.imageComponent" -}}
{{- if eq . "registry" }}model-registry{{ else }}{{ . }}{{ end }}
{{- end }}

{{- define "sculptor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sculptor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of a component's objects: <fullname>-<component>. Call with (dict "root" $ "c" "registry"). */}}
{{- define "sculptor.componentName" -}}
{{- printf "%s-%s" (include "sculptor.fullname" .root | trunc 50 | trimSuffix "-") .c }}
{{- end }}

{{- define "sculptor.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "sculptor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sculptor
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of a component (dict "root" $ "c" "registry"). */}}
{{- define "sculptor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sculptor.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .c }}
{{- end }}

{{/* Every label of a component's objects (dict "root" $ "c" "registry"). */}}
{{- define "sculptor.componentLabels" -}}
{{ include "sculptor.labels" .root }}
app.kubernetes.io/component: {{ .c }}
{{- end }}

{{/* The image of a component (dict "root" $ "c" "training" "image" <overrides>). */}}
{{- define "sculptor.image" -}}
{{- $repo := .image.repository | default (printf "%s/sculptor-%s" (.root.Values.image.registry | trimSuffix "/") (include "sculptor.imageComponent" .c)) }}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- printf "%s:%s" $repo $tag }}
{{- end }}

{{- define "sculptor.pullPolicy" -}}
{{- .image.pullPolicy | default .root.Values.image.pullPolicy }}
{{- end }}

{{- define "sculptor.serviceAccountName" -}}
{{- $v := index .root.Values .c }}
{{- if $v.serviceAccount.create }}
{{- $v.serviceAccount.name | default (include "sculptor.componentName" .) }}
{{- else }}
{{- $v.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}

{{/* Replicas a component runs with at least: hpa.minReplicas under an HPA, else replicas. */}}
{{- define "sculptor.minReplicas" -}}
{{- $v := index .root.Values .c }}
{{- if and (hasKey $v "hpa") $v.hpa.enabled }}{{ $v.hpa.minReplicas }}{{ else }}{{ $v.replicas }}{{ end }}
{{- end }}

{{/* A retention in milliseconds as the ISO-8601 duration the services read (sculptor.topics.retention). */}}
{{- define "sculptor.isoMillis" -}}
{{- printf "PT%d.%03dS" (div (int64 .) 1000) (mod (int64 .) 1000) }}
{{- end }}

{{/* Does a component keep state in PostgreSQL? */}}
{{- define "sculptor.hasDatabase" -}}
{{- if hasKey .root.Values.postgresql.databases .c }}true{{ end }}
{{- end }}

{{/*
The container env of a service or run pod (dict "root" $ "c" "training" "javaOpts" "..." "extra" <EnvVar list>
"run" <true for the training run pods>).
Secrets are only referenced (secretKeyRef); the token list is assembled with $(VAR) expansion, so no token is
ever a value of the chart.
*/}}
{{- define "sculptor.env" -}}
{{- $v := .root.Values -}}
- name: QUARKUS_HTTP_PORT
  value: "8080"
- name: JAVA_OPTS
  value: {{ printf "-Dai.djl.offline=true %s" .javaOpts | trim | quote }}
- name: SCULPTOR_ADMIN_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ $v.auth.existingSecret | quote }}, key: {{ $v.auth.adminTokenKey | quote }}}
- name: SCULPTOR_WRITE_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ $v.auth.existingSecret | quote }}, key: {{ $v.auth.writeTokenKey | quote }}}
- name: SCULPTOR_READ_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ $v.auth.existingSecret | quote }}, key: {{ $v.auth.readTokenKey | quote }}}
- name: SCULPTOR_AUTH_TOKENS
  value: "$(SCULPTOR_ADMIN_TOKEN):admin,$(SCULPTOR_WRITE_TOKEN):write,$(SCULPTOR_READ_TOKEN):read"
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ $v.kafka.bootstrapServers | quote }}
- name: SCULPTOR_TOPICS_CREATE
  value: {{ (not (or $v.topics.strimzi.enabled .run)) | toString | quote }}
- name: SCULPTOR_TOPICS_PARTITIONS
  value: {{ $v.topics.partitions | toString | quote }}
- name: SCULPTOR_TOPICS_REPLICATION_FACTOR
  value: {{ $v.topics.replicationFactor | toString | quote }}
- name: SCULPTOR_TOPICS_RETENTION
  value: {{ include "sculptor.isoMillis" $v.topics.retentionMs | quote }}
- name: SCULPTOR_TOPICS_DLQ_RETENTION
  value: {{ include "sculptor.isoMillis" $v.topics.dlqRetentionMs | quote }}
- name: SCULPTOR_STORE_ENDPOINT
  value: {{ $v.s3.endpoint | quote }}
- name: SCULPTOR_STORE_BUCKET
  value: {{ $v.s3.bucket | quote }}
- name: SCULPTOR_STORE_ACCESS_KEY
  value: {{ $v.s3.accessKey | quote }}
- name: SCULPTOR_STORE_SECRET_KEY
  valueFrom:
    secretKeyRef: {name: {{ $v.s3.existingSecret | quote }}, key: {{ $v.s3.secretKeyKey | quote }}}
{{- if include "sculptor.hasDatabase" . }}
- name: QUARKUS_DATASOURCE_JDBC_URL
  value: {{ printf "jdbc:postgresql://%s:%d/%s%s" $v.postgresql.host (int $v.postgresql.port) (index $v.postgresql.databases .c) (ternary (printf "?%s" $v.postgresql.parameters) "" (ne $v.postgresql.parameters "")) | quote }}
- name: QUARKUS_DATASOURCE_USERNAME
  value: {{ $v.postgresql.username | quote }}
- name: QUARKUS_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ $v.postgresql.existingSecret | quote }}, key: {{ $v.postgresql.passwordKey | quote }}}
{{- end }}
{{- if ne .c "registry" }}
- name: SCULPTOR_REGISTRY_GRPC
  value: {{ printf "%s:8080" (include "sculptor.componentName" (dict "root" .root "c" "registry")) | quote }}
- name: SCULPTOR_REGISTRY_TOKEN
  value: {{ ternary "$(SCULPTOR_WRITE_TOKEN)" "$(SCULPTOR_READ_TOKEN)" (eq .c "pruning") | quote }}
{{- end }}
{{- if eq .c "pruning" }}
- name: SCULPTOR_TRAINING_GRPC
  value: {{ printf "%s:8080" (include "sculptor.componentName" (dict "root" .root "c" "training")) | quote }}
- name: SCULPTOR_TRAINING_TOKEN
  value: "$(SCULPTOR_WRITE_TOKEN)"
{{- end }}
{{- if .run }}
{{- /* a run pod trains its one run (SCULPTOR_TRAINING_POD_RUN) and reaches no Kafka (its events go through the
outbox, which the training service publishes): it takes no requests and its health does not wait for Kafka */}}
- name: SCULPTOR_TRAINING_WORKER_ENABLED
  value: "false"
- name: SCULPTOR_HEALTH_KAFKA
  value: "false"
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Pod placement and security shared by Deployments and the run pods (dict "root" $ "v" <component values>). */}}
{{- define "sculptor.podSecurityContext" -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.defaults.podSecurityContext) (.v.podSecurityContext | default dict)) }}
{{- end }}

{{- define "sculptor.securityContext" -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.defaults.securityContext) (.v.securityContext | default dict)) }}
{{- end }}

{{- define "sculptor.scheduling" -}}
{{- with .v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .v.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .root.Values.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end }}

{{/* One egress rule: to the peers (none: any address) on the TCP ports (and UDP too when udp). */}}
{{- define "sculptor.egress" -}}
- ports:
    {{- range .ports }}
    - {port: {{ . }}, protocol: TCP}
    {{- if $.udp }}
    - {port: {{ . }}, protocol: UDP}
    {{- end }}
    {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/* Labels of the training run Jobs and pods: not Helm's (the training service creates and owns them). */}}
{{- define "sculptor.runLabels" -}}
{{ include "sculptor.selectorLabels" (dict "root" . "c" "training-run") }}
app.kubernetes.io/part-of: sculptor
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: sculptor-training
{{- end }}
