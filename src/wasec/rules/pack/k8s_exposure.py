"""How Kubernetes objects are reached from outside: Services on node ports, load balancers open to the internet,
external IPs, Ingresses without TLS or with configuration snippets."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack.kubernetes import NETWORK, K
from wasec.rules.registry import rule
from wasec.rules.view import Fail, View

TRANSIT = ("SEC09-BP02",)
INTERNAL = {"service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
            "service.beta.kubernetes.io/aws-load-balancer-scheme": ("internal",),
            "networking.gke.io/load-balancer-type": ("Internal",),
            "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",)}


def _annotations(r: View) -> dict[str, Any]:
    a = r.get("metadata.annotations")
    return a if isinstance(a, dict) else {}


@rule("k8s-service-nodeport", title="Services are not exposed on node ports", severity="medium", types=[K + "Service"],
      area="infrastructure", category="network", wa=NETWORK,
      why="A NodePort opens the port on every node's address, around the load balancer, its TLS and its firewall.",
      fix="Use type ClusterIP behind an Ingress or a LoadBalancer Service.",
      example='spec:\n  type: ClusterIP')
def service_nodeport(r: View) -> Any:
    if r.get("spec.type") != "NodePort":
        return None
    return Fail("spec.type", "the Service listens on a port of every node", "NodePort")


@rule("k8s-service-loadbalancer-open", title="Load balancer Services are internal or restricted to known sources",
      severity="medium", types=[K + "Service"], area="infrastructure", category="network", wa=NETWORK,
      why="A LoadBalancer Service with no source ranges is reachable by the whole internet.",
      fix="Set loadBalancerSourceRanges, or make it internal (service.beta.kubernetes.io/aws-load-balancer-scheme: "
          "internal).",
      example='spec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: ["203.0.113.0/24"]')
def service_loadbalancer_open(r: View) -> Any:
    if r.get("spec.type") != "LoadBalancer":
        return None
    annotations = _annotations(r)
    if any(str(annotations.get(k, "")) in values for k, values in INTERNAL.items() if k in annotations):
        return None
    ranges = r.get("spec.loadBalancerSourceRanges")
    if isinstance(ranges, list) and ranges and not any(str(x) in ("0.0.0.0/0", "::/0") for x in ranges):
        return None
    return Fail("spec.loadBalancerSourceRanges" if ranges else "spec.type",
                "the load balancer is open to the internet", ranges or "LoadBalancer")


@rule("k8s-service-external-ips", title="Services set no external IPs", severity="medium", types=[K + "Service"],
      area="infrastructure", category="network", wa=NETWORK,
      why="spec.externalIPs lets a Service capture traffic meant for any address (CVE-2020-8554): whoever may create "
          "Services can intercept other tenants' connections.",
      fix="Remove externalIPs; use a LoadBalancer Service (and deny externalIPs with an admission policy).",
      example='spec:\n  type: LoadBalancer')
def service_external_ips(r: View) -> Any:
    ips = r.get("spec.externalIPs")
    return Fail("spec.externalIPs", f"the Service claims {', '.join(map(str, ips))}", ips) \
        if isinstance(ips, list) and ips else None


@rule("k8s-ingress-tls", title="Ingresses serve TLS", severity="medium", types=[K + "Ingress"], area="data",
      category="encryption", wa=TRANSIT,
      why="Without TLS the Ingress serves its hosts in clear text: credentials and sessions cross the network "
          "readable and changeable.",
      fix="Add spec.tls with the hosts and a certificate Secret (cert-manager issues and renews it).",
      example='spec:\n  tls:\n    - hosts: ["shop.example.com"]\n      secretName: shop-tls')
def ingress_tls(r: View) -> Any:
    tls = r.get("spec.tls")
    if not (isinstance(tls, list) and tls):
        return Fail("spec", "the Ingress has no tls section: it serves plain HTTP")
    covered = {str(h) for t in tls if isinstance(t, dict) and isinstance(t.get("hosts"), list) for h in t["hosts"]}
    hosts = [rr["host"] for _, rr in r.items("spec.rules") if isinstance(rr, dict) and isinstance(rr.get("host"), str)
             and rr["host"]]
    bare = [h for h in hosts if h not in covered and f"*.{str(h).split('.', 1)[-1]}" not in covered]
    if bare and covered:
        return Fail("spec.tls", f"host{'s' if len(bare) > 1 else ''} {', '.join(map(str, bare))} served without TLS",
                    bare)
    return None


SNIPPETS = ("nginx.ingress.kubernetes.io/server-snippet", "nginx.ingress.kubernetes.io/configuration-snippet",
            "nginx.ingress.kubernetes.io/auth-snippet", "nginx.ingress.kubernetes.io/stream-snippet")


@rule("k8s-ingress-nginx-snippets", title="Ingresses carry no NGINX configuration snippets", severity="high",
      types=[K + "Ingress"], area="infrastructure", category="hardening", wa=(*NETWORK, "SEC06-BP02"),
      why="A snippet is NGINX configuration written into the controller, which holds every Ingress's TLS keys and a "
          "service-account token that reads all Secrets: whoever writes an Ingress reads them (CVE-2021-25742, "
          "CVE-2023-5044, CVE-2025-1974).",
      fix="Remove the snippet annotations and disable them in the controller (allow-snippet-annotations: false).",
      example='metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-redirect: "true"')
def ingress_nginx_snippets(r: View) -> Any:
    annotations = _annotations(r)
    return [Fail("metadata.annotations", f"annotation {k} writes NGINX configuration", k) for k in SNIPPETS
            if annotations.get(k)]
