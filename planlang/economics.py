"""What GPU time and each unit of a resource cost (spec section 3).

Every figure is per month; GPU cost is counted per *busy* second, so a pool
that is busy 60% of its hours charges its idle time to the work it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planlang import units
from planlang.model import Gpu, Model, Resource

@dataclass(frozen=True)
class Pool:
    name: str
    hourly: float  # all-in cost of one GPU-hour
    utilization: float  # share of hours spent on billable work
    capacity: float | None  # busy GPU-hours per month, when the fleet is known

    @property
    def busy_hour(self) -> float:
        """Cost of one busy GPU-hour: idle hours are paid by busy ones."""
        return self.hourly / self.utilization


def pool(gpu: Gpu) -> Pool:
    utilization = gpu.utilization.fraction if gpu.utilization is not None else 1.0
    if gpu.hourly is not None:
        hourly = units.per_hour(gpu.hourly.money.amount, gpu.hourly.per)
    else:
        hourly = gpu.price.amount / units.hours(gpu.lifespan.value, gpu.lifespan.unit)
        if gpu.power is not None:
            kilowatts = units.kilowatts(gpu.power.value, gpu.power.unit)
            pue = gpu.pue.value if gpu.pue is not None else 1.0
            electricity = (units.per_kilowatt_hour(gpu.electricity.money.amount, gpu.electricity.per)
                           if gpu.electricity is not None else 0.0)
            hourly += kilowatts * pue * electricity
        if gpu.overhead is not None:
            hourly += units.per_hour(gpu.overhead.money.amount, gpu.overhead.per)
    capacity = None
    if gpu.fleet is not None:
        capacity = gpu.fleet.value * units.HOURS_PER_MONTH * utilization
    return Pool(gpu.name.name, hourly, utilization, capacity)


@dataclass(frozen=True)
class Unit:
    """One unit of a resource (one successful result, for an outcome)."""

    name: str
    cost: float  # all-in cost per unit served
    gpu_hours: dict[str, float] = field(default_factory=dict)  # busy GPU-hours per unit, by pool
    demand: float = 1.0  # units demanded per unit of usage (results per task)
    outcome: bool = False


def unit(resource: Resource, pools: dict[str, Pool]) -> Unit:
    hours: dict[str, float] = {}
    for time in resource.gpu_times:
        hours[time.gpu.name] = hours.get(time.gpu.name, 0.0) + units.hours(time.time.value, time.time.unit)
    cost = sum(h * pools[name].busy_hour for name, h in hours.items())
    cost += resource.cost.amount if resource.cost is not None else 0.0
    if not resource.is_outcome:
        return Unit(resource.name.name, cost, hours)
    success = resource.success.fraction
    attempts = int(resource.attempts.value) if resource.attempts is not None else 1
    return Unit(
        resource.name.name,
        cost / success,
        {name: h / success for name, h in hours.items()},
        demand=1.0 - (1.0 - success) ** attempts,
        outcome=True,
    )


@dataclass(frozen=True)
class Economics:
    pools: dict[str, Pool]
    units: dict[str, Unit]


def economics(model: Model) -> Economics:
    pools = {name: pool(gpu) for name, gpu in model.gpus.items()}
    return Economics(pools, {name: unit(r, pools) for name, r in model.resources.items()})
