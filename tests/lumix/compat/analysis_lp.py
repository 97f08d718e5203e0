"""Scenario, sensitivity and what-if analysis of a plain LP (LumiX 0.3.2 API).

Four products share labour, machine time and material; products A and C have minimum
production levels. The optimum (worked out with scipy.optimize.linprog as well) is
A = 130/7, B = 30/7, C = 340/7, D = 0, profit 12000/7; every resource is binding with a
positive shadow price and D has a negative reduced cost, so the duals are unique.
"""

from dataclasses import dataclass

from lumix import (
    LXConstraint,
    LXLinearExpression,
    LXModel,
    LXOptimizer,
    LXScenario,
    LXScenarioAnalyzer,
    LXSensitivityAnalyzer,
    LXVariable,
    LXWhatIfAnalyzer,
)


@dataclass
class Product:
    id: int
    name: str
    profit: float
    labour: float
    machine: float
    material: float
    minimum: float


PRODUCTS = [
    Product(1, "A", 20.0, 1.0, 2.0, 1.0, 5.0),
    Product(2, "B", 30.0, 2.0, 1.0, 1.0, 0.0),
    Product(3, "C", 25.0, 1.5, 1.0, 2.0, 10.0),
    Product(4, "D", 15.0, 1.0, 1.0, 1.0, 0.0),
]
CAPACITY = {"labour": 100.0, "machine": 90.0, "material": 120.0}


def build_model() -> LXModel[Product]:
    production = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.name)
        .from_data(PRODUCTS)
    )
    model = LXModel[Product]("four_products").add_variable(production)
    model.maximize(LXLinearExpression[Product]().add_term(production, lambda p: p.profit))
    for resource, capacity in CAPACITY.items():
        usage = LXLinearExpression().add_term(production, lambda p, r=resource: getattr(p, r))
        model.add_constraint(LXConstraint(f"cap_{resource}").expression(usage).le().rhs(capacity))
    model.add_constraint(
        LXConstraint[Product]("minimum")
        .expression(LXLinearExpression[Product]().add_term(production, 1.0))
        .ge()
        .rhs(lambda p: p.minimum)
        .from_data([p for p in PRODUCTS if p.minimum > 0])
        .indexed_by(lambda p: p.name)
    )
    return model


def scenarios() -> None:
    print("=" * 30, "Scenarios")
    analyzer = LXScenarioAnalyzer(build_model(), LXOptimizer().use_solver("ortools"), include_baseline=True)
    analyzer.add_scenario(
        LXScenario[Product]("more_labour")
        .modify_constraint_rhs("cap_labour", multiply=1.2)
        .describe("Hire temporary staff")
    )
    analyzer.add_scenario(
        LXScenario[Product]("machine_down")
        .modify_constraint_rhs("cap_machine", add=-9)
        .modify_constraint_rhs("cap_material", set_value=110)
        .describe("A machine is serviced")
    )
    analyzer.add_scenario(LXScenario[Product]("production_cap").modify_variable_bound("production", upper=40))
    results = analyzer.run_all_scenarios()
    for name in sorted(results):
        print(f"{name:<16s} {results[name].status:<10s} {results[name].objective_value:12.4f}")
    print(analyzer.compare_scenarios())
    print("Best:", analyzer.get_best_scenario(maximize=True))
    for value, solution in analyzer.sensitivity_to_parameter("cap_machine", [0.8, 1.0, 1.1]).items():
        print(f"machine x {value}: {solution.objective_value:.4f}")


def sensitivity() -> None:
    print("=" * 30, "Sensitivity")
    model = build_model()
    solution = LXOptimizer().use_solver("ortools").enable_sensitivity().solve(model)
    print(solution.summary())
    analyzer = LXSensitivityAnalyzer(model, solution)
    # Basic variables have reduced costs of solver noise around 0 and the two minimum rows
    # have zero duals, so the reports show only rows with distinct non-zero values.
    print(analyzer.generate_report(include_variables=False, top_n=3))
    print(analyzer.generate_report(include_constraints=False, top_n=1))
    print(analyzer.generate_report(include_variables=False, include_binding_only=True))
    print(analyzer.generate_summary())
    for name in ("cap_labour", "cap_machine", "cap_material"):
        sens = analyzer.analyze_constraint(name)
        print(f"{name}: shadow price {sens.shadow_price:.4f}, binding {sens.is_binding}")
    print("Binding:", list(analyzer.get_binding_constraints()))
    print("Bottlenecks:", analyzer.identify_bottlenecks())
    for name, sens in analyzer.get_most_sensitive_constraints(top_n=2):
        print(f"  most sensitive {name}: {sens.shadow_price:.4f}")
    for name, sens in analyzer.get_non_basic_variables().items():
        print(f"  non-basic {name}: reduced cost {sens.reduced_cost:.4f}")


def what_if() -> None:
    print("=" * 30, "What-if")
    analyzer = LXWhatIfAnalyzer(build_model(), LXOptimizer().use_solver("ortools"))
    print(f"Baseline: {analyzer.get_baseline_solution().objective_value:.4f}")
    results = [
        analyzer.increase_constraint_rhs("cap_labour", by=10),
        analyzer.decrease_constraint_rhs("cap_machine", by=5),
        analyzer.increase_constraint_rhs("cap_material", to=130),
        analyzer.tighten_constraint("cap_labour", by_percent=0.1),
        analyzer.relax_constraint("minimum", by=5),
        analyzer.modify_variable_bound("production", upper=45),
    ]
    for result in results:
        print(
            f"{result.original_objective:10.4f} -> {result.new_objective:10.4f}"
            f"  delta {result.delta_objective:+10.4f} ({result.delta_percentage:+.2f}%)"
        )
    for name, gain in analyzer.find_bottlenecks(test_amount=1.0, top_n=3):
        print(f"  bottleneck {name}: {gain:.4f}")
    for rhs, objective in analyzer.sensitivity_range("cap_labour", 80, 120, num_points=5):
        print(f"  labour {rhs:7.2f}: {objective:.4f}")


def main() -> None:
    scenarios()
    sensitivity()
    what_if()


if __name__ == "__main__":
    main()
