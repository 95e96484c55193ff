import Testing
@testable import Model

struct ManifestDecoderTests {
    @Test func namespaceDecodesFromYAMLWithItsNameLabelAdded() throws {
        let manifests = try decode("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: team-a
              labels:
                tier: backend
                kubernetes.io/metadata.name: spoofed
            """, file: "ns.yaml")
        #expect(manifests == [.namespace(
            Namespace(metadata: ObjectMeta(name: "team-a", labels: ["tier": "backend", "kubernetes.io/metadata.name": "team-a"])),
            source: ManifestSource(file: "ns.yaml", line: 1)
        )])
    }

    @Test func namespaceDecodesFromJSON() throws {
        let manifests = try decode("""
            {
            \t"apiVersion": "v1",
            \t"kind": "Namespace",
            \t"metadata": {"name":"team-b","labels":{"tier":"db"}}
            }
            """, file: "ns.json")
        let namespace = try #require(manifests.first?.namespace)
        #expect(manifests.count == 1)
        #expect(namespace.name == "team-b")
        #expect(namespace.labels == ["tier": "db", Namespace.nameLabel: "team-b"])
        #expect(namespace.metadata.namespace == nil)
    }

    @Test func podDecodesFromARealManifestIgnoringFieldsSluiceDoesNotUse() throws {
        let manifests = try decode("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web-7d9f
              namespace: shop
              uid: 0c5e2a4e-1111-2222-3333-444455556666
              creationTimestamp: "2024-05-01T10:00:00Z"
              labels: {app: web, "version": "1.2"}
              annotations:
                example.com/owner: team-a
              ownerReferences:
              - {apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f, uid: x}
            spec:
              nodeName: node-1
              restartPolicy: Always
              volumes: [{name: data, emptyDir: {}}]
              containers:
              - name: web
                image: nginx:1.27
                resources: {limits: {cpu: 500m}}
                ports:
                - name: http
                  containerPort: 8080
                - containerPort: 53
                  protocol: UDP
              - name: sidecar
                image: envoy
                ports:
                - {name: admin, containerPort: 9901, protocol: SCTP, hostPort: 19901}
            status:
              phase: Running
              hostIP: 192.168.0.10
              podIP: 10.1.0.5
              podIPs:
              - ip: 10.1.0.5
              - ip: fd00:1::5
              conditions:
              - type: PodScheduled
                status: "True"
              - type: Ready
                status: "True"
                lastTransitionTime: "2024-05-01T10:00:05Z"
            """)
        let pod = try #require(manifests.first?.pod)
        #expect(pod.name == "web-7d9f")
        #expect(pod.namespace == "shop")
        #expect(pod.labels == ["app": "web", "version": "1.2"])
        #expect(pod.metadata.annotations == ["example.com/owner": "team-a"])
        #expect(pod.spec.nodeName == "node-1")
        #expect(pod.spec.hostNetwork == false)
        #expect(pod.spec.containers == [
            Container(name: "web", ports: [
                ContainerPort(name: "http", containerPort: 8080, protocol: .tcp),
                ContainerPort(name: nil, containerPort: 53, protocol: .udp),
            ]),
            Container(name: "sidecar", ports: [ContainerPort(name: "admin", containerPort: 9901, protocol: .sctp)]),
        ])
        #expect(pod.status.phase == .running)
        #expect(pod.status.podIP == IPAddress("10.1.0.5"))
        #expect(pod.status.podIPs == [IPAddress("10.1.0.5"), IPAddress("fd00:1::5")].compactMap { $0 })
        #expect(pod.status.addresses.map(\.description) == ["10.1.0.5", "fd00:1::5"])
        #expect(pod.status.isReady)
    }

    @Test func podDecodesFromJSONWithNamespaceDefaulted() throws {
        let manifests = try decode("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"db-0"},
             "spec":{"hostNetwork":true,"containers":[{"name":"db","ports":[{"containerPort":5432}]}]},
             "status":{"podIP":"fd00::7","conditions":[{"type":"Ready","status":"False"}]}}
            """, file: "pod.json")
        let pod = try #require(manifests.first?.pod)
        #expect(pod.metadata.namespace == "default")
        #expect(pod.spec.hostNetwork)
        #expect(pod.spec.containers.first?.ports == [ContainerPort(containerPort: 5432, protocol: .tcp)])
        #expect(pod.status.addresses == [IPAddress("fd00::7")].compactMap { $0 })
        #expect(!pod.status.isReady)
        #expect(manifests.first?.source == ManifestSource(file: "pod.json", line: 1))
    }

    @Test func podWithoutSpecOrStatusDecodesToEmptyOnes() throws {
        let pod = try #require(try decode("{apiVersion: v1, kind: Pod, metadata: {name: p}}").first?.pod)
        #expect(pod.spec == PodSpec())
        #expect(pod.status == PodStatus())
        #expect(pod.status.addresses.isEmpty)
        #expect(!pod.status.isReady)
    }

    @Test func completeNetworkPolicyDecodesFromYAML() throws {
        let manifests = try decode("""
            # leading comment
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: api.allow
              namespace: shop
            spec:
              podSelector:
                matchLabels: {app: api}
                matchExpressions:
                - {key: tier, operator: In, values: [fe, be]}
                - {key: canary, operator: DoesNotExist}
              policyTypes: [Ingress, Egress]
              ingress:
              - from:
                - podSelector: {matchLabels: {role: client}}
                  namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}
                - namespaceSelector: {}
                - ipBlock:
                    cidr: 10.0.0.0/8
                    except: [10.1.0.0/16, 10.2.3.0/24]
                ports:
                - port: 8080
                - protocol: UDP
                  port: 5000
                  endPort: 5100
                - port: http
                - protocol: SCTP
              - {}
              egress:
              - to:
                - ipBlock: {cidr: "fd00::/64"}
                - podSelector: {}
                ports:
                - {protocol: TCP, port: 443}
            """, file: "policies/api.yaml")
        let source = try #require(manifests.first?.source)
        #expect(source == ManifestSource(file: "policies/api.yaml", line: 2))
        let policy = try #require(manifests.first?.networkPolicy)
        let expected = NetworkPolicy(
            metadata: ObjectMeta(name: "api.allow", namespace: "shop"),
            spec: NetworkPolicySpec(
                podSelector: LabelSelector(
                    matchLabels: ["app": "api"],
                    matchExpressions: [
                        LabelSelectorRequirement(key: "tier", operator: .in, values: ["fe", "be"]),
                        LabelSelectorRequirement(key: "canary", operator: .doesNotExist),
                    ]
                ),
                policyTypes: [.ingress, .egress],
                ingress: [
                    NetworkPolicyIngressRule(
                        from: [
                            NetworkPolicyPeer(
                                podSelector: LabelSelector(matchLabels: ["role": "client"]),
                                namespaceSelector: LabelSelector(matchExpressions: [.init(key: "env", operator: .notIn, values: ["dev"])])
                            ),
                            NetworkPolicyPeer(namespaceSelector: .everything),
                            NetworkPolicyPeer(ipBlock: IPBlock(
                                cidr: try cidr("10.0.0.0/8"),
                                except: [try cidr("10.1.0.0/16"), try cidr("10.2.3.0/24")]
                            )),
                        ],
                        ports: [
                            NetworkPolicyPort(protocol: .tcp, port: .number(8080)),
                            NetworkPolicyPort(protocol: .udp, port: .number(5000), endPort: 5100),
                            NetworkPolicyPort(protocol: .tcp, port: .name("http")),
                            NetworkPolicyPort(protocol: .sctp),
                        ]
                    ),
                    NetworkPolicyIngressRule(),
                ],
                egress: [
                    NetworkPolicyEgressRule(
                        to: [NetworkPolicyPeer(ipBlock: IPBlock(cidr: try cidr("fd00::/64"))), NetworkPolicyPeer(podSelector: .everything)],
                        ports: [NetworkPolicyPort(protocol: .tcp, port: .number(443))]
                    ),
                ]
            )
        )
        #expect(policy == expected)
        #expect(policy.spec.ingress[0].ports.map(\.match) == [.range(8080...8080), .range(5000...5100), .named("http"), .all])
    }

    @Test func networkPolicyDecodesFromJSON() throws {
        let manifests = try decode("""
            {
              "apiVersion": "networking.k8s.io/v1",
              "kind": "NetworkPolicy",
              "metadata": {"name": "deny-all", "namespace": "shop"},
              "spec": {
                "podSelector": {},
                "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.0.0/16", "except": ["192.168.1.0/24"]}}],
                             "ports": [{"port": "dns-tcp"}, {"port": 53, "protocol": "UDP"}]}],
                "egress": []
              }
            }
            """, file: "deny.json")
        let policy = try #require(manifests.first?.networkPolicy)
        #expect(policy.namespace == "shop")
        #expect(policy.spec.podSelector == .everything)
        #expect(policy.spec.ingress.first?.from.first?.ipBlock?.except.map(\.description) == ["192.168.1.0/24"])
        #expect(policy.spec.ingress.first?.ports == [
            NetworkPolicyPort(protocol: .tcp, port: .name("dns-tcp")),
            NetworkPolicyPort(protocol: .udp, port: .number(53)),
        ])
        #expect(policy.spec.effectivePolicyTypes == [.ingress])
    }

    @Test func networkPolicyWithoutSpecIsolatesAllPodsForIngress() throws {
        let policy = try #require(try decode("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: empty}
            """).first?.networkPolicy)
        #expect(policy == NetworkPolicy(metadata: ObjectMeta(name: "empty", namespace: "default")))
        #expect(policy.spec.effectivePolicyTypes == [.ingress])
    }

    @Test func nullFieldsAreTreatedAsAbsent() throws {
        let policy = try #require(try decode("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: nulls, namespace: ~, labels: null}
            spec:
              podSelector:
              policyTypes:
              ingress:
              - from:
                ports: null
              egress: ~
            """).first?.networkPolicy)
        #expect(policy.namespace == "default")
        #expect(policy.spec == NetworkPolicySpec(ingress: [NetworkPolicyIngressRule()]))
    }

    @Test func emptyPeerSelectorDiffersFromAnAbsentOne() throws {
        let policy = try #require(try decode("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: peers}
            spec:
              ingress:
              - from:
                - podSelector: {}
                - namespaceSelector: {}
                  podSelector: {matchLabels: {a: b}}
            """).first?.networkPolicy)
        let peers = try #require(policy.spec.ingress.first?.from)
        #expect(peers[0].podSelector == .everything)
        #expect(peers[0].namespaceSelector == nil)
        #expect(peers[1].namespaceSelector == .everything)
        #expect(peers[1].podSelector == LabelSelector(matchLabels: ["a": "b"]))
    }

    @Test func multiDocumentStreamSkipsEmptyDocumentsAndRecordsEachStartLine() throws {
        let manifests = try decode("""
            ---
            # only a comment
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: one}
            ---
            ---

            apiVersion: v1
            kind: Namespace
            metadata: {name: two}
            ...
            ---
            {apiVersion: v1, kind: Pod, metadata: {name: three}}
            """, file: "multi.yaml")
        #expect(manifests.map(\.metadata.name) == ["one", "two", "three"])
        #expect(manifests.map(\.source.line) == [4, 10, 15])
        #expect(manifests.map(\.kind) == ["Namespace", "Namespace", "Pod"])
    }

    @Test func emptyOrCommentOnlyFileHasNoManifests() throws {
        #expect(try decode("").isEmpty)
        #expect(try decode("# nothing here\n").isEmpty)
        #expect(try decode("---\n---\n").isEmpty)
    }

    @Test func listItemsDecodeWithTheirOwnLines() throws {
        let manifests = try decode("""
            apiVersion: v1
            kind: List
            metadata: {resourceVersion: ""}
            items:
            - apiVersion: v1
              kind: Namespace
              metadata: {name: a}
            - apiVersion: networking.k8s.io/v1
              kind: NetworkPolicy
              metadata: {name: b, namespace: a}
              spec: {podSelector: {}}
            """, file: "list.yaml")
        #expect(manifests.map(\.kind) == ["Namespace", "NetworkPolicy"])
        #expect(manifests.map(\.source) == [ManifestSource(file: "list.yaml", line: 5), ManifestSource(file: "list.yaml", line: 8)])
    }

    @Test func typedListItemsWithoutKindTakeTheListsKind() throws {
        let manifests = try decode("""
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicyList",
             "items": [{"metadata": {"name": "p1"}}, {"metadata": {"name": "p2"}, "spec": {"policyTypes": ["Egress"]}}]}
            """)
        #expect(manifests.compactMap(\.networkPolicy).map(\.name) == ["p1", "p2"])
        #expect(manifests.last?.networkPolicy?.spec.effectivePolicyTypes == [.egress])
    }

    @Test func yamlAliasesAreResolved() throws {
        let policy = try #require(try decode("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: alias}
            spec:
              podSelector: &web {matchLabels: {app: web}}
              ingress:
              - from: [{podSelector: *web}]
            """).first?.networkPolicy)
        #expect(policy.spec.ingress.first?.from.first?.podSelector == policy.spec.podSelector)
    }

    @Test func brokenTrailingDocumentIsReportedNotDropped() {
        let error = decodingError("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: fine}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: [broken
            """, file: "trailing.yaml")
        #expect(error?.file == "trailing.yaml")
        #expect(error?.line == 7)
        #expect(error?.fieldPath == "")
        #expect(error?.message.hasPrefix("YAML syntax error") == true)
    }

    @Test func yamlSyntaxErrorInTheFirstDocumentNamesItsLineAndColumn() {
        let error = decodingError("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n bad: indentation\n", file: "bad.yaml")
        #expect(error?.line == 5)
        #expect(error?.column != nil)
        #expect(error?.description.hasPrefix("bad.yaml:5: YAML syntax error") == true)
    }

    @Test func controlCharacterIsReportedOnItsLine() {
        let error = decodingError("apiVersion: v1\nkind: Namespace\nmetadata: {name: \u{1}}\n")
        #expect(error?.line == 3)
        #expect(error?.message.hasPrefix("unreadable input") == true)
    }

    @Test func duplicateKeyIsAnError() {
        let error = decodingError("apiVersion: v1\nkind: Namespace\nkind: Pod\nmetadata: {name: a}\n")
        #expect(error?.line == 2)
        #expect(error?.message == "duplicate mapping key \"kind\"")
    }

    /// A repeated key is refused wherever it is, also in fields Sluice ignores, and named
    /// with the path of its mapping.
    @Test func aRepeatedKeyInAnIgnoredFieldIsAnErrorWithItsPath() {
        let error = decodingError("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: a}
            status:
              conditions:
                - {type: A, status: "True", type: B}
            """)
        #expect(error?.line == 6)
        #expect(error?.fieldPath == "status.conditions[0]")
        #expect(error?.message == "duplicate mapping key \"type\"")
    }

    /// As in Kubernetes, which reads manifests as JSON: a key must be a string, also in a field
    /// Sluice ignores.
    @Test func aKeyThatIsNoStringIsRefusedWhereverItIs() {
        let error = decodingError("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nstatus:\n  a: 1\n  [x]: 1\n")
        #expect(error?.line == 6)
        #expect(error?.column == 3)
        #expect(error?.fieldPath == "status")
        #expect(error?.message == "mapping keys must be plain strings, got a list")
        let inMetadata = decodingError("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, {x: 1}: 2}\n")
        #expect(inMetadata?.line == 3)
        #expect(inMetadata?.fieldPath == "metadata")
        #expect(inMetadata?.message == "mapping keys must be plain strings, got a mapping")
    }

    @Test func anAliasBeforeItsAnchorOrInsideItIsAnError() {
        let early = decodingError("apiVersion: v1\nkind: Namespace\nmetadata: {name: *n}\nx: &n a\n")
        #expect(early?.line == 3)
        #expect(early?.message == "YAML syntax error: found undefined alias")
        let inside = decodingError("apiVersion: v1\nkind: Namespace\nmetadata: &m {name: a, labels: *m}\n")
        #expect(inside?.line == 3)
        #expect(inside?.message == "YAML syntax error: found undefined alias")
        // An anchor holds within its document only.
        let across = decodingError("apiVersion: v1\nkind: Namespace\nmetadata: &m {name: a}\n---\n"
            + "apiVersion: v1\nkind: Namespace\nmetadata: *m\n")
        #expect(across?.line == 7)
        #expect(across?.message == "YAML syntax error: found undefined alias")
    }

    /// Nesting far deeper than any manifest is read (the reader has no recursion to run out
    /// of) up to libyaml's limit of 1000 levels, past which it is an error, not a crash.
    @Test func deeplyNestedYAMLIsReadUpToLibyamlsLimit() throws {
        func nested(_ depth: Int) -> String {
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: deep}\nstatus: "
                + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        }
        #expect(try decode(nested(900)).first?.namespace?.name == "deep")
        let error = decodingError(nested(5000))
        #expect(error?.line == 4)
        #expect(error?.message.contains("nesting level") == true)
    }

    @Test func deletionTimestampIsReadQuotedOrPlainAndMustBeRFC3339() throws {
        func pod(_ timestamp: String) -> String {
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  deletionTimestamp: \(timestamp)\n"
        }
        #expect(try decode(pod("\"2026-12-07T01:00:00Z\"")).first?.pod?.metadata.deletionTimestamp == "2026-12-07T01:00:00Z")
        #expect(try decode(pod("2026-12-07T01:00:00.25+01:00")).first?.pod?.metadata.deletionTimestamp == "2026-12-07T01:00:00.25+01:00")
        #expect(decodingError(pod("\"\"")) != nil)
        let error = decodingError(pod("yesterday"))
        #expect(error?.line == 5)
        #expect(error?.fieldPath == "metadata.deletionTimestamp")
        #expect(error?.message.hasPrefix("expected an RFC 3339 time") == true)
        #expect(decodingError(pod("2026-12-07")) != nil)
    }

    @Test func anExplicitStringTagIsNoInteger() {
        let error = decodingError("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, ports: [{containerPort: !!str 8080}]}]\n")
        #expect(error?.line == 5)
        #expect(error?.message == "expected an integer, got the string \"8080\"")
    }

    /// A `!` anywhere makes Yams tell a plain key from a quoted one; the decoder still does not.
    @Test func duplicateKeyIsAnErrorInAFileWithATagToo() {
        let top = decodingError("# don't edit!\napiVersion: v1\nkind: Namespace\n\"kind\": Pod\nmetadata: {name: a}\n")
        #expect(top?.line == 3)
        #expect(top?.message == "duplicate mapping key \"kind\"")

        let nested = decodingError("""
            # generated!
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: default}
            spec:
              podSelector: {}
              ingress:
                - ports:
                    - port: 80
                      "port": 443
            """)
        #expect(nested?.line == 9)
        #expect(nested?.fieldPath == "spec.ingress[0].ports[0]")
        #expect(nested?.message == "duplicate mapping key \"port\"")
    }

    @Test func unknownFieldsOutsideNetworkPolicyAreIgnored() throws {
        let manifests = try decode("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: n, finalizers: [x], uid: u, resourceVersion: "1", managedFields: [{manager: kubectl}]}
            spec: {finalizers: [kubernetes]}
            status: {phase: Active}
            """)
        #expect(manifests.count == 1)
    }

    @Test func effectivePolicyTypesFollowKubernetesDefaulting() {
        let egressRule = [NetworkPolicyEgressRule()]
        #expect(NetworkPolicySpec().effectivePolicyTypes == [.ingress])
        #expect(NetworkPolicySpec(egress: egressRule).effectivePolicyTypes == [.ingress, .egress])
        #expect(NetworkPolicySpec(policyTypes: [.egress]).effectivePolicyTypes == [.egress])
        #expect(NetworkPolicySpec(policyTypes: [.ingress], egress: egressRule).effectivePolicyTypes == [.ingress])
        #expect(NetworkPolicySpec(policyTypes: [.egress, .ingress, .egress]).effectivePolicyTypes == [.ingress, .egress])
        #expect(NetworkPolicySpec(policyTypes: [.egress]).isolatesEgress)
        #expect(!NetworkPolicySpec(policyTypes: [.egress]).isolatesIngress)
    }

    @Test func ipBlockExcludesItsExceptions() throws {
        let block = IPBlock(cidr: try cidr("10.0.0.0/8"), except: [try cidr("10.1.0.0/16")])
        #expect(block.contains(try ip("10.2.0.1")))
        #expect(!block.contains(try ip("10.1.0.1")))
        #expect(!block.contains(try ip("11.0.0.1")))
    }

    @Test func errorDescriptionNamesFileLineAndFieldPath() {
        let error = ManifestError(file: "policies/deny.yaml", line: 12, fieldPath: "spec.ingress[0].ports[0].port", message: "port 70000 out of range 1-65535")
        #expect(error.description == "policies/deny.yaml:12: spec.ingress[0].ports[0].port: port 70000 out of range 1-65535")
        #expect(ManifestError(file: "a.yaml", line: 3, fieldPath: "", message: "boom").description == "a.yaml:3: boom")
    }
}
