"""Write-throughput benchmark harness (carepath vs bare eventsourcing vs raw).

Plug the carepath application in with a :class:`WorkloadFactory`; see
:mod:`bench.workload` for the contract.
"""

from bench.main import main, run_benchmark
from bench.report import Report, ScenarioResult
from bench.runner import RunResult, run_workload
from bench.workload import ReportsStoredBytes, Workload, WorkloadFactory

__all__ = [
    "Report",
    "ReportsStoredBytes",
    "RunResult",
    "ScenarioResult",
    "Workload",
    "WorkloadFactory",
    "main",
    "run_benchmark",
    "run_workload",
]
