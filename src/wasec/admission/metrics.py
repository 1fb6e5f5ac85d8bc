"""The webhook's Prometheus metrics, in the text exposition format (no client library needed for four series)."""

from __future__ import annotations

import threading
from collections import Counter

# seconds; admission decisions take about a millisecond, the API server's deadline is 10 s by default
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Decisions by mode, answer and kind; failing findings by rule; latency; requests in flight."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.decisions: Counter[tuple[str, str, str]] = Counter()
        self.findings: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.buckets = [0] * len(BUCKETS)
        self.count = 0
        self.total = 0.0
        self.in_flight = 0

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def decided(self, mode: str, allowed: bool, kind: str, rules: list[str], seconds: float) -> None:
        with self._lock:
            self.decisions[(mode, "true" if allowed else "false", kind)] += 1
            self.findings.update(rules)
            self._observe(seconds)

    def failed(self, reason: str) -> None:
        with self._lock:
            self.errors[reason] += 1

    def _observe(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.buckets[i] += 1

    def render(self) -> str:
        with self._lock:
            lines = ["# HELP wasec_admission_decisions_total Admission decisions by mode, answer and kind.",
                     "# TYPE wasec_admission_decisions_total counter"]
            lines += [f'wasec_admission_decisions_total{{mode="{m}",allowed="{a}",kind="{_label(k)}"}} {n}'
                      for (m, a, k), n in sorted(self.decisions.items())]
            lines += ["# HELP wasec_admission_findings_total Failing findings in admitted or denied objects, by rule.",
                      "# TYPE wasec_admission_findings_total counter"]
            lines += [f'wasec_admission_findings_total{{rule="{_label(r)}"}} {n}' for r, n in sorted(self.findings.items())]
            lines += ["# HELP wasec_admission_errors_total Requests answered with an error, by reason.",
                      "# TYPE wasec_admission_errors_total counter"]
            lines += [f'wasec_admission_errors_total{{reason="{_label(r)}"}} {n}' for r, n in sorted(self.errors.items())]
            lines += ["# HELP wasec_admission_duration_seconds Time to decide one request.",
                      "# TYPE wasec_admission_duration_seconds histogram"]
            lines += [f'wasec_admission_duration_seconds_bucket{{le="{b}"}} {n}' for b, n in zip(BUCKETS, self.buckets, strict=True)]
            lines += [f'wasec_admission_duration_seconds_bucket{{le="+Inf"}} {self.count}',
                      f"wasec_admission_duration_seconds_sum {self.total:.6f}",
                      f"wasec_admission_duration_seconds_count {self.count}",
                      "# HELP wasec_admission_in_flight Requests being decided now.",
                      "# TYPE wasec_admission_in_flight gauge",
                      f"wasec_admission_in_flight {self.in_flight}"]
        return "\n".join(lines) + "\n"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
