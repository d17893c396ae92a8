{{/* Names, labels and derived settings shared by the templates. */}}

{{- define "mdeq.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every resource name: <release>-mdeq-operator, or the release name if it contains the chart name. */}}
{{- define "mdeq.fullname" -}}
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

{{/* Labels of every object, without the selector labels (name, instance, component) that each object adds. */}}
{{- define "mdeq.baseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mdeq
{{- end }}

{{/* Labels of an object that is not selected by anything: base labels + instance. */}}
{{- define "mdeq.labels" -}}
{{ include "mdeq.baseLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of the operator pod. */}}
{{- define "mdeq.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mdeq.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "mdeq.minio.fullname" -}}
{{- printf "%s-minio" (include "mdeq.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mdeq.minio.selectorLabels" -}}
app.kubernetes.io/name: minio
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: store
{{- end }}

{{- define "mdeq.operatorServiceAccount" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mdeq.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An image reference: repository:tag (empty tag: the chart's appVersion), or pinned by digest:
repository@digest, or repository:tag@digest when a tag is given too. Call with (list .Values.image .Chart). */}}
{{- define "mdeq.image" -}}
{{- $image := index . 0 }}{{- $chart := index . 1 }}
{{- if $image.digest }}
{{- if $image.tag }}
{{- printf "%s:%s@%s" $image.repository $image.tag $image.digest }}
{{- else }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- end }}
{{- else }}
{{- printf "%s:%s" $image.repository (default $chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/* The namespaces where jobs run, comma-separated: the watched ones, or the release namespace. */}}
{{- define "mdeq.workloadNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- join "," .Values.watchNamespaces }}
{{- else }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}

{{/* The operator's MDEQ_WATCH_NAMESPACES. */}}
{{- define "mdeq.watchNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- join "," .Values.watchNamespaces }}
{{- else if .Values.rbac.clusterWide }}
{{- "JOSDK_ALL_NAMESPACES" }}
{{- else }}
{{- "JOSDK_WATCH_CURRENT" }}
{{- end }}
{{- end }}

{{- define "mdeq.store.uri" -}}
{{- if .Values.store.uri }}
{{- .Values.store.uri }}
{{- else if .Values.minio.enabled }}
{{- printf "s3://%s" .Values.minio.bucket }}
{{- end }}
{{- end }}

{{/* The ConfigMap of the default CA bundle in each job's namespace, or nothing. */}}
{{- define "mdeq.store.caBundleConfigMap" -}}
{{- if .Values.store.caBundle.configMap }}
{{- .Values.store.caBundle.configMap }}
{{- else if .Values.store.caBundle.pem }}
{{- "mdeq-store-ca" }}
{{- end }}
{{- end }}

{{/* The bundled MinIO's user of a namespace: at most 20 characters, as MinIO allows. Call with the namespace. */}}
{{- define "mdeq.minio.tenantUser" -}}
{{- printf "mdeq-%s" (sha256sum . | trunc 12) }}
{{- end }}

{{/*
The bundled MinIO's secret key of a namespace's user: derived from the root password and the namespace (stable
across upgrades, different in each namespace, and no way back to the root password). Call with (list $ namespace).
*/}}
{{- define "mdeq.minio.tenantSecret" -}}
{{- $root := index . 0 }}{{- $namespace := index . 1 }}
{{- printf "mdeq-store/%s/%s" $root.Values.minio.rootPassword $namespace | sha256sum | trunc 40 }}
{{- end }}

{{/* The bundled MinIO's root credentials Secret (release namespace only). */}}
{{- define "mdeq.minio.rootSecret" -}}
{{- printf "%s-root" (include "mdeq.minio.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mdeq.store.endpoint" -}}
{{- if .Values.store.endpoint }}
{{- .Values.store.endpoint }}
{{- else if .Values.minio.enabled }}
{{- printf "http://%s.%s.svc:9000" (include "mdeq.minio.fullname" .) .Release.Namespace }}
{{- end }}
{{- end }}

{{/*
The operator's rights, the same in a Role or a ClusterRole: exactly what the reconciler declares
(@RBACRule; Quarkus Operator SDK lists it in operator/target/kubernetes/kubernetes.yml), less create and
delete of MdeqTrainingJobs, which it never does. No leader election, so no leases.
*/}}
{{- define "mdeq.rbacRules" -}}
- apiGroups: ["mdeq.dev"]
  resources: ["mdeqtrainingjobs"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["mdeq.dev"]
  resources: ["mdeqtrainingjobs/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["mdeq.dev"]
  resources: ["mdeqtrainingjobs/finalizers"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["secrets", "configmaps"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["get", "list", "create", "patch", "update"]
{{- end }}

{{/* The restricted Pod Security Standard, shared by every container of the chart. */}}
{{- define "mdeq.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}
