"""Write-throughput benchmark harness (carepath vs bare eventsourcing vs raw).

Plug the carepath application in with a :class:`WorkloadFactory`; see
:mod:`services.bench.workload` for the contract.
"""

from services.bench.main import main, run_benchmark
from services.bench.report import Report, ScenarioResult
from services.bench.runner import RunResult, run_workload
from services.bench.workload import ReportsStoredBytes, Workload, WorkloadFactory

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
