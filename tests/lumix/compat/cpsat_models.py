"""CP-SAT: a worker-task assignment and a model with continuous variables (LumiX 0.3.2 API).

1. Assignment: binary assignment[worker, task] indexed by a cartesian product of two
   LXIndexDimension (imported from lumix.indexing); every task is covered once and each
   worker takes one or two tasks; minimise the cost (distinct costs: one optimum).
2. Blending on CP-SAT: continuous variables are refused until rational conversion is
   enabled, which scales them to integers (1/1000) and reads the values back.
"""

from dataclasses import dataclass

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable
from lumix.indexing import LXCartesianProduct, LXIndexDimension


@dataclass
class Worker:
    id: int
    name: str
    rate: int
    max_tasks: int


@dataclass
class Task:
    id: int
    name: str
    hours: int


WORKERS = [Worker(1, "Ada", 30, 2), Worker(2, "Ben", 24, 2), Worker(3, "Cy", 41, 1)]
TASKS = [
    Task(1, "wiring", 3),
    Task(2, "paint", 5),
    Task(3, "audit", 2),
    Task(4, "repair", 4),
    Task(5, "move", 1),
]
SKILL = {(1, 1): 0, (1, 3): 7, (2, 2): 4, (3, 4): -6, (2, 5): 3}


def cost(worker: Worker, task: Task) -> int:
    return worker.rate * task.hours + SKILL.get((worker.id, task.id), 11) * (worker.id + task.id)


def assignment_model() -> None:
    assignment = (
        LXVariable[tuple[Worker, Task], int]("assignment")
        .binary()
        .indexed_by_product(
            LXIndexDimension(Worker, lambda w: w.id).from_data(WORKERS),
            LXIndexDimension(Task, lambda t: t.id).from_data(TASKS),
        )
    )
    model = LXModel("assignment").add_variable(assignment)
    model.minimize(LXLinearExpression().add_multi_term(assignment, coeff=lambda w, t: cost(w, t)))
    for task in TASKS:
        model.add_constraint(
            LXConstraint(f"cover_{task.id}")
            .expression(
                LXLinearExpression().add_multi_term(
                    assignment, coeff=lambda w, t, tid=task.id: 1 if t.id == tid else 0
                )
            )
            .eq()
            .rhs(1)
        )
    for worker in WORKERS:
        load = LXLinearExpression().add_multi_term(
            assignment, coeff=lambda w, t, wid=worker.id: 1 if w.id == wid else 0
        )
        model.add_constraint(
            LXConstraint(f"max_load_{worker.id}").expression(load).le().rhs(worker.max_tasks)
        )
        model.add_constraint(LXConstraint(f"min_load_{worker.id}").expression(load.copy()).ge().rhs(1))
    print(f"Model {model.name}: {len(model.variables)} family, {len(model.constraints)} constraints")
    print("Cartesian product type:", LXCartesianProduct.__name__)

    optimizer = LXOptimizer().use_solver("cpsat")
    solution = optimizer.solve(model, time_limit=10.0, num_search_workers=2)
    print(f"Status: {solution.status}")
    print(f"Total cost: {solution.objective_value:.0f}")
    values = solution.get_variable(assignment)
    chosen = sorted(key for key, value in values.items() if value > 0.5)
    names = {w.id: w.name for w in WORKERS}
    tasks = {t.id: t for t in TASKS}
    workers = {w.id: w for w in WORKERS}
    for worker_id, task_id in chosen:
        task = tasks[task_id]
        print(f"  {names[worker_id]:<4s} -> {task.name:<7s} {cost(workers[worker_id], task)}")
    print(f"Checked cost: {sum(cost(workers[w], tasks[t]) for w, t in chosen)}")


def blend_model() -> LXModel:
    x = LXVariable[None, float]("x").continuous().bounds(lower=0, upper=10)
    y = LXVariable[None, float]("y").continuous().bounds(lower=0, upper=10)
    batches = LXVariable[None, int]("batches").integer().bounds(lower=0, upper=5)
    model = LXModel("blend").add_variables(x, y, batches)
    model.add_constraint(
        LXConstraint("volume")
        .expression(LXLinearExpression().add_term(x, 1.0).add_term(y, 1.0))
        .le()
        .rhs(4.5)
    )
    model.add_constraint(
        LXConstraint("heat").expression(LXLinearExpression().add_term(x, 2.0).add_term(y, 1.0)).le().rhs(6.25)
    )
    model.add_constraint(
        LXConstraint("batch_size")
        .expression(LXLinearExpression().add_term(x, 1.0).add_term(batches, -0.5))
        .le()
        .rhs(0.0)
    )
    model.maximize(LXLinearExpression().add_term(x, 3.0).add_term(y, 2.5).add_term(batches, -0.2))
    return model


def blending() -> None:
    try:
        LXOptimizer().use_solver("cpsat").solve(blend_model())
        print("Continuous variables on CP-SAT: accepted")
    except ValueError as error:
        print("Continuous variables on CP-SAT:", str(error).splitlines()[0])

    optimizer = LXOptimizer().use_solver("cpsat").enable_rational_conversion()
    solution = optimizer.solve(blend_model())
    print(f"Status: {solution.status}")
    print(f"Objective: {solution.objective_value:.4f}")
    for name in ("x", "y", "batches"):
        print(f"  {name}: {solution.variables[name]:.4f}")


def main() -> None:
    assignment_model()
    blending()


if __name__ == "__main__":
    main()
