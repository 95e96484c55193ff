import Testing
@testable import Model

/// Every validation rule, each asserting the file, the exact line (marked `# <-` in the fixture)
/// and the field path of the error.
struct ManifestValidationTests {
    typealias Case = ValidationCase

    static func policy(_ spec: String) -> String {
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n" + spec
    }

    static func pod(_ rest: String) -> String {
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n" + rest
    }

    static let cases: [Case] = [
        // Object identity.
        Case(name: "missing kind", yaml: "apiVersion: v1 # <-\nmetadata: {name: a}\n", fieldPath: "kind", message: "required value"),
        Case(name: "missing apiVersion", yaml: "kind: Pod # <-\nmetadata: {name: a}\n", fieldPath: "apiVersion", message: "required value"),
        Case(name: "unknown kind is named", yaml: "apiVersion: apps/v1\nkind: Deployment # <-\n", fieldPath: "kind",
             message: "unknown kind \"Deployment\" (apiVersion \"apps/v1\")"),
        Case(name: "known kind with wrong apiVersion", yaml: "apiVersion: extensions/v1beta1 # <-\nkind: NetworkPolicy\n", fieldPath: "apiVersion",
             message: "NetworkPolicy must have apiVersion networking.k8s.io/v1, got \"extensions/v1beta1\""),
        Case(name: "document that is not a mapping", yaml: "- just # <-\n- a list\n", fieldPath: "", message: "expected a mapping, got a list"),
        Case(name: "list inside a list", yaml: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List # <-\n", fieldPath: "items[0].kind",
             message: "a List may not contain another list"),
        Case(name: "error inside a list item carries the item path",
             yaml: "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: ok}}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: Bad} # <-\n",
             fieldPath: "items[1].metadata.name", message: "\"Bad\": a lowercase RFC 1123 label"),

        // Metadata.
        Case(name: "missing metadata", yaml: "apiVersion: v1 # <-\nkind: Namespace\n", fieldPath: "metadata", message: "required value"),
        Case(name: "missing name", yaml: "apiVersion: v1\nkind: Namespace\nmetadata:\n  labels: {a: b} # <-\n", fieldPath: "metadata.name", message: "required value"),
        Case(name: "generateName is not enough", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: web- # <-\n", fieldPath: "metadata.name",
             message: "generateName is not supported"),
        Case(name: "empty name", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"\" # <-\n", fieldPath: "metadata.name", message: "required value"),
        Case(name: "namespace name must be a DNS label", yaml: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team.a # <-\n", fieldPath: "metadata.name",
             message: "a lowercase RFC 1123 label"),
        Case(name: "pod name must be a DNS subdomain", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Web_1 # <-\n", fieldPath: "metadata.name",
             message: "a lowercase RFC 1123 subdomain"),
        Case(name: "policy name longer than 253 characters", yaml: policy("  {}\n").replacingOccurrences(of: "{name: p}", with: "{name: \(String(repeating: "a", count: 254))} # <-"),
             fieldPath: "metadata.name", message: "must be no more than 253 characters"),
        Case(name: "name that is not a string", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 123 # <-\n", fieldPath: "metadata.name",
             message: "expected a string, got the integer 123; quote it (\"123\")"),
        Case(name: "namespace on a cluster-scoped kind", yaml: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  namespace: b # <-\n",
             fieldPath: "metadata.namespace", message: "not allowed on this kind"),
        Case(name: "namespace that is not a DNS label", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: Shop # <-\n",
             fieldPath: "metadata.namespace", message: "a lowercase RFC 1123 label"),
        Case(name: "label key with two slashes", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    a/b/c: x # <-\n",
             fieldPath: "metadata.labels[a/b/c]", message: "invalid label key \"a/b/c\""),
        Case(name: "label key with a bad prefix", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    Example.com/app: x # <-\n",
             fieldPath: "metadata.labels[Example.com/app]", message: "prefix part a lowercase RFC 1123 subdomain"),
        Case(name: "label value with a space", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    app: my app # <-\n",
             fieldPath: "metadata.labels[app]", message: "invalid label value \"my app\""),
        Case(name: "label value longer than 63 characters", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    app: \(String(repeating: "x", count: 64)) # <-\n",
             fieldPath: "metadata.labels[app]", message: "must be no more than 63 characters"),
        Case(name: "label value that YAML reads as a number", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    version: 1.2 # <-\n",
             fieldPath: "metadata.labels[version]", message: "expected a string, got the number 1.2; quote it"),
        Case(name: "label value that YAML reads as a boolean", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    canary: true # <-\n",
             fieldPath: "metadata.labels[canary]", message: "expected a string, got the boolean true"),
        Case(name: "misspelt metadata field", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namepsace: shop # <-\n",
             fieldPath: "metadata.namepsace", message: "unknown field \"namepsace\""),
        Case(name: "annotation key with a space", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    \"bad key\": x # <-\n",
             fieldPath: "metadata.annotations[bad key]", message: "invalid annotation key \"bad key\""),

        // NetworkPolicy strictness.
        Case(name: "unknown top-level field of a policy", yaml: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspce: {} # <-\n",
             fieldPath: "spce", message: "unknown field \"spce\" (allowed: apiVersion, kind, metadata, spec, status)"),
        Case(name: "unknown field in spec", yaml: policy("  podSelector: {}\n  ingres: [] # <-\n"), fieldPath: "spec.ingres",
             message: "unknown field \"ingres\" (allowed: podSelector, policyTypes, ingress, egress)"),
        Case(name: "unknown field in an ingress rule", yaml: policy("  ingress:\n  - form: [] # <-\n"), fieldPath: "spec.ingress[0].form",
             message: "unknown field \"form\" (allowed: from, ports)"),
        Case(name: "from in an egress rule", yaml: policy("  egress:\n  - ports: []\n    from: [] # <-\n"), fieldPath: "spec.egress[0].from",
             message: "unknown field \"from\" (allowed: to, ports)"),
        Case(name: "unknown field in a peer", yaml: policy("  ingress:\n  - from:\n    - podSelector: {}\n      nameSpaceSelector: {} # <-\n"),
             fieldPath: "spec.ingress[0].from[0].nameSpaceSelector", message: "unknown field"),
        Case(name: "unknown field in an ipBlock", yaml: policy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/8\n        exclude: [] # <-\n"),
             fieldPath: "spec.ingress[0].from[0].ipBlock.exclude", message: "unknown field \"exclude\" (allowed: cidr, except)"),
        Case(name: "unknown field in a port", yaml: policy("  ingress:\n  - ports:\n    - port: 80\n      portEnd: 90 # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].portEnd", message: "unknown field \"portEnd\""),
        Case(name: "unknown field in a selector", yaml: policy("  podSelector:\n    matchLabel: {app: web} # <-\n"),
             fieldPath: "spec.podSelector.matchLabel", message: "unknown field \"matchLabel\" (allowed: matchLabels, matchExpressions)"),
        Case(name: "unknown field in a selector expression",
             yaml: policy("  podSelector:\n    matchExpressions:\n    - key: app\n      operator: Exists\n      value: [x] # <-\n"),
             fieldPath: "spec.podSelector.matchExpressions[0].value", message: "unknown field \"value\""),
        Case(name: "rules that are not a list", yaml: policy("  ingress: {from: []} # <-\n"), fieldPath: "spec.ingress", message: "expected a list, got a mapping"),

        // Ports.
        Case(name: "port above 65535", yaml: policy("  ingress:\n  - ports:\n    - port: 70000 # <-\n"), fieldPath: "spec.ingress[0].ports[0].port",
             message: "port 70000 out of range 1-65535"),
        Case(name: "port zero", yaml: policy("  egress:\n  - ports:\n    - protocol: UDP\n    - port: 0 # <-\n"), fieldPath: "spec.egress[0].ports[1].port",
             message: "port 0 out of range 1-65535"),
        Case(name: "negative port", yaml: policy("  ingress:\n  - ports:\n    - port: -1 # <-\n"), fieldPath: "spec.ingress[0].ports[0].port",
             message: "port -1 out of range 1-65535"),
        Case(name: "hexadecimal port", yaml: policy("  ingress:\n  - ports:\n    - port: 0x50 # <-\n"), fieldPath: "spec.ingress[0].ports[0].port",
             message: "expected a decimal port number or a port name, got the integer 0x50"),
        Case(name: "fractional port", yaml: policy("  ingress:\n  - ports:\n    - port: 80.5 # <-\n"), fieldPath: "spec.ingress[0].ports[0].port",
             message: "expected a decimal port number or a port name, got the number 80.5"),
        Case(name: "endPort below port", yaml: policy("  ingress:\n  - ports:\n    - port: 80\n      endPort: 79 # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].endPort", message: "endPort 79 must be greater than or equal to port 80"),
        Case(name: "endPort above 65535", yaml: policy("  ingress:\n  - ports:\n    - port: 80\n      endPort: 65536 # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].endPort", message: "endPort 65536 out of range 1-65535"),
        Case(name: "endPort with a named port", yaml: policy("  ingress:\n  - ports:\n    - port: http\n      endPort: 90 # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].endPort", message: "may not be specified when port is a named port"),
        Case(name: "endPort without port", yaml: policy("  ingress:\n  - ports:\n    - endPort: 90 # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].endPort", message: "may not be specified when port is not specified"),
        Case(name: "endPort given as a string", yaml: policy("  ingress:\n  - ports:\n    - port: 80\n      endPort: \"90\" # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].endPort", message: "expected an integer, got the string \"90\""),
        Case(name: "unsupported protocol", yaml: policy("  ingress:\n  - ports:\n    - protocol: ICMP # <-\n"), fieldPath: "spec.ingress[0].ports[0].protocol",
             message: "unsupported value \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\""),
        Case(name: "lowercase protocol", yaml: policy("  ingress:\n  - ports:\n    - protocol: tcp # <-\n"), fieldPath: "spec.ingress[0].ports[0].protocol",
             message: "unsupported value \"tcp\""),
        Case(name: "quoted number is a port name without letters", yaml: policy("  ingress:\n  - ports:\n    - port: \"80\" # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].port", message: "invalid port name \"80\": must contain at least one letter (a-z)"),
        Case(name: "port name longer than 15 characters", yaml: policy("  ingress:\n  - ports:\n    - port: very-long-port-name # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].port", message: "must be no more than 15 characters"),
        Case(name: "port name with upper case", yaml: policy("  ingress:\n  - ports:\n    - port: HTTP # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].port", message: "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"),
        Case(name: "port name with consecutive hyphens", yaml: policy("  ingress:\n  - ports:\n    - port: a--b # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].port", message: "must not contain consecutive hyphens"),
        Case(name: "port name ending in a hyphen", yaml: policy("  ingress:\n  - ports:\n    - port: web- # <-\n"),
             fieldPath: "spec.ingress[0].ports[0].port", message: "must not begin or end with a hyphen"),

        // Peers and ipBlocks.
        Case(name: "empty peer", yaml: policy("  ingress:\n  - from:\n    - {} # <-\n"), fieldPath: "spec.ingress[0].from[0]",
             message: "must specify a peer"),
        Case(name: "peer with only null selectors", yaml: policy("  egress:\n  - to:\n    - podSelector: # <-\n"), fieldPath: "spec.egress[0].to[0]",
             message: "must specify a peer"),
        Case(name: "ipBlock together with a selector", yaml: policy("  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8} # <-\n      podSelector: {}\n"),
             fieldPath: "spec.ingress[0].from[0]", message: "may not specify both ipBlock and another peer"),
        Case(name: "ipBlock without cidr", yaml: policy("  ingress:\n  - from:\n    - ipBlock:\n        except: [10.0.0.0/16] # <-\n"),
             fieldPath: "spec.ingress[0].from[0].ipBlock.cidr", message: "required value"),
        Case(name: "cidr that is not a CIDR", yaml: policy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0 # <-\n"),
             fieldPath: "spec.ingress[0].from[0].ipBlock.cidr", message: "\"10.0.0.0\": must be a valid CIDR value (e.g. 10.9.8.0/24 or 2001:db8::/64)"),
        Case(name: "cidr with host bits set", yaml: policy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.1/8 # <-\n"),
             fieldPath: "spec.ingress[0].from[0].ipBlock.cidr", message: "must not have bits set beyond the prefix length (did you mean 10.0.0.0/8 or 10.0.0.1/32?)"),
        Case(name: "IPv6 cidr with an oversize prefix", yaml: policy("  egress:\n  - to:\n    - ipBlock: {cidr: \"fd00::/129\"} # <-\n"),
             fieldPath: "spec.egress[0].to[0].ipBlock.cidr", message: "must be a valid CIDR value"),
        Case(name: "except outside the cidr", yaml: policy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/8\n        except:\n        - 10.1.0.0/16\n        - 192.168.0.0/16 # <-\n"),
             fieldPath: "spec.ingress[0].from[0].ipBlock.except[1]", message: "192.168.0.0/16 must be a strict subset of cidr 10.0.0.0/8"),
        Case(name: "except equal to the cidr", yaml: policy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/8\n        except: [10.0.0.0/8] # <-\n"),
             fieldPath: "spec.ingress[0].from[0].ipBlock.except[0]", message: "must be a strict subset of cidr"),
        Case(name: "except of the other family", yaml: policy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: \"fd00::/8\"\n        except: [\"10.0.0.0/16\"] # <-\n"),
             fieldPath: "spec.ingress[0].from[0].ipBlock.except[0]", message: "must be a strict subset of cidr fd00::/8"),
        Case(name: "except that is malformed", yaml: policy("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/8\n        except: [10.1.0.0/33] # <-\n"),
             fieldPath: "spec.ingress[0].from[0].ipBlock.except[0]", message: "must be a valid CIDR value"),

        // Selectors.
        Case(name: "matchLabels key with a bad name part", yaml: policy("  podSelector:\n    matchLabels:\n      -app: web # <-\n"),
             fieldPath: "spec.podSelector.matchLabels[-app]", message: "invalid label key \"-app\": name part must consist of alphanumeric characters"),
        Case(name: "matchLabels value with a bad character", yaml: policy("  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {env: \"a*b\"} # <-\n"),
             fieldPath: "spec.ingress[0].from[0].namespaceSelector.matchLabels[env]", message: "invalid label value \"a*b\""),
        Case(name: "In without values", yaml: policy("  podSelector:\n    matchExpressions:\n    - key: env # <-\n      operator: In\n"),
             fieldPath: "spec.podSelector.matchExpressions[0].values", message: "must be specified when operator is In or NotIn"),
        Case(name: "NotIn with an empty values list", yaml: policy("  podSelector:\n    matchExpressions:\n    - key: env\n      operator: NotIn\n      values: [] # <-\n"),
             fieldPath: "spec.podSelector.matchExpressions[0].values", message: "must be specified when operator is In or NotIn"),
        Case(name: "Exists with values", yaml: policy("  podSelector:\n    matchExpressions:\n    - key: env\n      operator: Exists\n      values: [prod] # <-\n"),
             fieldPath: "spec.podSelector.matchExpressions[0].values", message: "may not be specified when operator is Exists or DoesNotExist"),
        Case(name: "DoesNotExist with values", yaml: policy("  podSelector:\n    matchExpressions:\n    - {key: env, operator: DoesNotExist, values: [prod]} # <-\n"),
             fieldPath: "spec.podSelector.matchExpressions[0].values", message: "may not be specified when operator is Exists or DoesNotExist"),
        Case(name: "unknown operator", yaml: policy("  podSelector:\n    matchExpressions:\n    - key: env\n      operator: Equals # <-\n      values: [a]\n"),
             fieldPath: "spec.podSelector.matchExpressions[0].operator", message: "unsupported value \"Equals\": supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\""),
        Case(name: "expression without key", yaml: policy("  podSelector:\n    matchExpressions:\n    - operator: Exists # <-\n"),
             fieldPath: "spec.podSelector.matchExpressions[0].key", message: "required value"),
        Case(name: "expression value with a bad character", yaml: policy("  podSelector:\n    matchExpressions:\n    - key: env\n      operator: In\n      values:\n      - ok\n      - \"not ok\" # <-\n"),
             fieldPath: "spec.podSelector.matchExpressions[0].values[1]", message: "invalid label value \"not ok\""),

        // policyTypes.
        Case(name: "unsupported policy type", yaml: policy("  policyTypes: [Ingress, egress] # <-\n"), fieldPath: "spec.policyTypes[1]",
             message: "unsupported value \"egress\": supported values: \"Ingress\", \"Egress\""),
        Case(name: "more than two policy types", yaml: policy("  policyTypes: [Ingress, Egress, Ingress] # <-\n"), fieldPath: "spec.policyTypes",
             message: "may not specify more than two policyTypes"),

        // Pods.
        Case(name: "pod IP that does not parse", yaml: pod("status:\n  podIP: 10.0.0.256 # <-\n"), fieldPath: "status.podIP",
             message: "\"10.0.0.256\": must be a valid IP address"),
        Case(name: "pod IP with leading zeros", yaml: pod("status:\n  podIP: 10.0.0.01 # <-\n"), fieldPath: "status.podIP",
             message: "must not have leading 0s"),
        Case(name: "second pod IP that does not parse", yaml: pod("status:\n  podIPs:\n  - ip: 10.0.0.1\n  - ip: \"fd00::g\" # <-\n"), fieldPath: "status.podIPs[1].ip",
             message: "must be a valid IP address"),
        Case(name: "pod IPs entry without ip", yaml: pod("status:\n  podIPs:\n  - {} # <-\n"), fieldPath: "status.podIPs[0].ip", message: "required value"),
        Case(name: "two pod IPs of one family", yaml: pod("status:\n  podIPs:\n  - ip: 10.0.0.1\n  - ip: 10.0.0.2 # <-\n"), fieldPath: "status.podIPs[1]",
             message: "may specify no more than one IP for each IP family"),
        Case(name: "pod IP that differs from the first pod IPs entry", yaml: pod("status:\n  podIP: 10.0.0.2 # <-\n  podIPs:\n  - ip: 10.0.0.1\n"),
             fieldPath: "status.podIP", message: "10.0.0.2 must equal podIPs[0] (10.0.0.1)"),
        Case(name: "container port above 65535", yaml: pod("spec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: 65536 # <-\n"),
             fieldPath: "spec.containers[0].ports[0].containerPort", message: "containerPort 65536 out of range 1-65535"),
        Case(name: "container port missing", yaml: pod("spec:\n  containers:\n  - name: c\n    ports:\n    - name: http # <-\n"),
             fieldPath: "spec.containers[0].ports[0].containerPort", message: "required value"),
        Case(name: "container port name without letters", yaml: pod("spec:\n  containers:\n  - name: c\n    ports:\n    - name: \"8080\" # <-\n      containerPort: 8080\n"),
             fieldPath: "spec.containers[0].ports[0].name", message: "must contain at least one letter (a-z)"),
        Case(name: "duplicate container port name", yaml: pod("spec:\n  containers:\n  - name: c\n    ports:\n    - {name: web, containerPort: 80}\n    - {name: web, containerPort: 81} # <-\n"),
             fieldPath: "spec.containers[0].ports[1].name", message: "duplicate port name \"web\""),
        Case(name: "container port protocol unsupported", yaml: pod("spec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: 80\n      protocol: HTTP # <-\n"),
             fieldPath: "spec.containers[0].ports[0].protocol", message: "unsupported value \"HTTP\""),
        Case(name: "container without name", yaml: pod("spec:\n  containers:\n  - image: nginx # <-\n"),
             fieldPath: "spec.containers[0].name", message: "required value"),
        Case(name: "duplicate container name", yaml: pod("spec:\n  containers:\n  - name: c\n  - name: c # <-\n"),
             fieldPath: "spec.containers[1]", message: "duplicate container name \"c\""),
        Case(name: "hostNetwork that is not a boolean", yaml: pod("spec:\n  hostNetwork: \"yes\" # <-\n"),
             fieldPath: "spec.hostNetwork", message: "expected true or false, got the string \"yes\""),
        Case(name: "unknown pod phase", yaml: pod("status:\n  phase: Sleeping # <-\n"), fieldPath: "status.phase",
             message: "unsupported value \"Sleeping\": supported values: \"Pending\", \"Running\", \"Succeeded\", \"Failed\", \"Unknown\""),
        Case(name: "condition status that YAML reads as a boolean", yaml: pod("status:\n  conditions:\n  - type: Ready\n    status: True # <-\n"),
             fieldPath: "status.conditions[0].status", message: "expected a string, got the boolean True; quote it (\"True\")"),
        Case(name: "condition status that is not True, False or Unknown", yaml: pod("status:\n  conditions:\n  - type: Ready\n    status: \"yes\" # <-\n"),
             fieldPath: "status.conditions[0].status", message: "unsupported value \"yes\""),
    ]

    @Test(arguments: cases)
    func invalidManifestIsReportedAtItsLineAndFieldPath(_ testCase: Case) throws {
        try testCase.expectReported(in: "dir/case.yaml")
    }

    @Test func portOutOfRangeReadsLikeTheExampleInTheDesign() {
        let error = decodingError("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: deny
            spec:
              podSelector: {}
              ingress:
              - from:
                - podSelector: {}
                ports:
                - protocol: TCP
                  port: 70000
            """, file: "policies/deny.yaml")
        #expect(error?.description == "policies/deny.yaml:12: spec.ingress[0].ports[0].port: port 70000 out of range 1-65535")
        #expect(error?.column == 13)
    }

    @Test func jsonErrorsNameTheirLineToo() {
        let error = decodingError("""
            {
              "apiVersion": "networking.k8s.io/v1",
              "kind": "NetworkPolicy",
              "metadata": {"name": "j"},
              "spec": {
                "ingress": [{"ports": [{"port": 80, "endPort": 8}]}]
              }
            }
            """, file: "j.json")
        #expect(error?.description == "j.json:6: spec.ingress[0].ports[0].endPort: endPort 8 must be greater than or equal to port 80")
    }

    @Test func validObjectsBeforeAnInvalidOneDoNotHideTheError() {
        let error = decodingError("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: good}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: Bad}
            """)
        #expect(error?.line == 7)
        #expect(error?.fieldPath == "metadata.name")
    }

    @Test func validNamesAndLabelsAreAccepted() throws {
        let manifests = try decode("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web-0.shop.example
              namespace: a-1
              labels:
                app.kubernetes.io/name: My_App.v2
                empty: ""
                nothing:
                x: "1"
            spec:
              containers:
              - name: c
                ports:
                - {name: h2c-9, containerPort: 65535}
            """)
        let pod = try #require(manifests.first?.pod)
        #expect(pod.labels == ["app.kubernetes.io/name": "My_App.v2", "empty": "", "nothing": "", "x": "1"])
        #expect(pod.spec.containers.first?.ports.first?.name == "h2c-9")
    }

    /// An empty namespace is an absent one: "default", or none on a cluster-scoped kind.
    @Test func anEmptyNamespaceIsTheDefaultOne() throws {
        let pod = try decode("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: \"\"}\n")
        #expect(pod.first?.pod?.metadata.namespace == "default")
        let namespace = try decode("apiVersion: v1\nkind: Namespace\nmetadata: {name: n, namespace: \"\"}\n")
        #expect(namespace.count == 1)
    }

    /// Kubernetes limits a subdomain to 253 characters in all, not each part to 63.
    @Test func subdomainNamesWithPartsLongerThanALabelAreAccepted() throws {
        let long = String(repeating: "a", count: 80)
        let manifests = try decode(Self.policy("  podSelector: {}\n").replacingOccurrences(of: "{name: p}", with: "{name: \(long).\(long)}"))
        #expect(manifests.first?.networkPolicy?.metadata.name == "\(long).\(long)")
    }
}
