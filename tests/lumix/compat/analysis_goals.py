"""Scenario, sensitivity and what-if analysis of a weighted goal model (LumiX 0.3.2 API).

Two products share 120 labour hours (basic takes 2 h, deluxe 3 h). Goals: total output
exactly 50 (priority 1), at least 30 deluxe (priority 2), at most 25 basic (priority 3).
Worked out by hand: the optimum is basic = 30, deluxe = 20; deluxe_min misses by 10 and
basic_max by 5, so the weighted objective is 1e5 * 10 + 1e4 * 5 = 1,050,000. Every basic
variable is positive and every non-basic one has a non-zero reduced cost, so primal and
dual solutions are unique: the duals are labour -110,000, total_output 230,000,
deluxe_min 100,000 and basic_max -10,000 (solver sign conventions aside).
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
    code: str
    hours: float


PRODUCTS = [Product("basic", 2.0), Product("deluxe", 3.0)]


def only(code: str):
    return lambda p: 1.0 if p.code == code else 0.0


def build_model() -> LXModel:
    make = LXVariable[Product, float]("make").continuous().bounds(lower=0).indexed_by(lambda p: p.code)
    make = make.from_data(PRODUCTS)
    model = LXModel("goal_plan").add_variable(make)
    model.add_constraint(
        LXConstraint("labour")
        .expression(LXLinearExpression().add_term(make, lambda p: p.hours))
        .le()
        .rhs(120)
    )
    model.add_constraint(
        LXConstraint("total_output")
        .expression(LXLinearExpression().add_term(make, 1.0))
        .eq()
        .rhs(50)
        .as_goal(priority=1)
    )
    model.add_constraint(
        LXConstraint("deluxe_min")
        .expression(LXLinearExpression().add_term(make, only("deluxe")))
        .ge()
        .rhs(30)
        .as_goal(priority=2)
    )
    model.add_constraint(
        LXConstraint("basic_max")
        .expression(LXLinearExpression().add_term(make, only("basic")))
        .le()
        .rhs(25)
        .as_goal(priority=3)
    )
    model.set_goal_mode("weighted")
    return model.prepare_goal_programming()


def scenarios() -> None:
    print("=" * 30, "Scenarios")
    analyzer = LXScenarioAnalyzer(build_model(), LXOptimizer().use_solver("ortools"))
    analyzer.add_scenarios(
        LXScenario("overtime").modify_constraint_rhs("labour", add=4).describe("4 hours of overtime"),
        LXScenario("lower_deluxe_target").modify_constraint_rhs("deluxe_min", set_value=20),
        LXScenario("short_week").modify_constraint_rhs("labour", multiply=0.9),
    )
    results = analyzer.run_all_scenarios()
    for name in sorted(results):
        solution = results[name]
        make = solution.variables["make"]
        print(
            f"{name:<20s} {solution.status:<8s} {solution.objective_value:14.4f}"
            f"  basic {make['basic']:8.4f} deluxe {make['deluxe']:8.4f}"
            f"  satisfied {[g for g in sorted(solution.goal_deviations) if solution.is_goal_satisfied(g)]}"
        )
    print(analyzer.compare_scenarios())
    print("Best (lowest weighted deviation):", analyzer.get_best_scenario())


def sensitivity() -> None:
    print("=" * 30, "Sensitivity")
    model = build_model()
    solution = LXOptimizer().use_solver("ortools").enable_sensitivity().solve(model)
    print(solution.summary())
    analyzer = LXSensitivityAnalyzer(model, solution)
    print(analyzer.generate_report(include_variables=False, top_n=4))
    print(analyzer.generate_summary())
    for name in ("labour", "total_output", "deluxe_min", "basic_max"):
        sens = analyzer.analyze_constraint(name)
        print(f"{name}: shadow price {sens.shadow_price:.4f}, binding {sens.is_binding}")


def what_if() -> None:
    print("=" * 30, "What-if")
    analyzer = LXWhatIfAnalyzer(build_model(), LXOptimizer().use_solver("ortools"))
    print(f"Baseline: {analyzer.get_baseline_solution().objective_value:.4f}")
    results = [
        analyzer.increase_constraint_rhs("labour", by=6),
        analyzer.relax_constraint("deluxe_min", by=4),
        analyzer.tighten_constraint("basic_max", by=5),
        analyzer.decrease_constraint_rhs("total_output", to=45),
    ]
    for result in results:
        make = result.new_solution.variables["make"]
        print(
            f"{result.new_objective:14.4f} delta {result.delta_objective:+14.4f}"
            f" ({result.delta_percentage:+.2f}%)  basic {make['basic']:.4f} deluxe {make['deluxe']:.4f}"
        )


def main() -> None:
    scenarios()
    sensitivity()
    what_if()


if __name__ == "__main__":
    main()
