"""Sequential (lexicographic) goal programming with a maximised final objective (LumiX 0.3.2 API).

A media plan spreads an advertising budget over three channels. Priorities are solved
one after the other (1, 2, then 4: gaps are allowed), each holding the earlier levels
at their optimum, and a last stage maximises the audience reached.
"""

from dataclasses import dataclass

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable


@dataclass
class Channel:
    code: str
    reach_per_k: float
    max_spend: float


CHANNELS = [
    Channel("tv", 30.0, 80.0),
    Channel("radio", 20.0, 40.0),
    Channel("online", 25.0, 90.0),
]
BUDGET = 100.0


def only(code: str):
    return lambda c: 1.0 if c.code == code else 0.0


def build_model() -> tuple[LXModel, LXVariable]:
    spend = (
        LXVariable[Channel, float]("spend")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda c: c.code)
        .from_data(CHANNELS)
    )
    model = LXModel("media_plan").add_variable(spend)
    model.add_constraint(
        LXConstraint("budget").expression(LXLinearExpression().add_term(spend, 1.0)).le().rhs(BUDGET)
    )
    model.add_constraint(
        LXConstraint[Channel]("max_spend")
        .expression(LXLinearExpression().add_term(spend, 1.0))
        .le()
        .rhs(lambda c: c.max_spend)
        .from_data(CHANNELS)
        .indexed_by(lambda c: c.code)
    )
    reach = LXLinearExpression().add_term(spend, lambda c: c.reach_per_k)
    model.add_constraint(LXConstraint("reach").expression(reach).ge().rhs(2600).as_goal(priority=1))
    model.add_constraint(
        LXConstraint("tv_cap")
        .expression(LXLinearExpression().add_term(spend, only("tv")))
        .le()
        .rhs(30)
        .as_goal(priority=2, weight=2.0)
    )
    model.add_constraint(
        LXConstraint("radio_min")
        .expression(LXLinearExpression().add_term(spend, only("radio")))
        .ge()
        .rhs(20)
        .as_goal(priority=2, weight=1.0)
    )
    model.add_constraint(
        LXConstraint("online_cap")
        .expression(LXLinearExpression().add_term(spend, only("online")))
        .le()
        .rhs(50)
        .as_goal(priority=4)
    )
    model.maximize(reach.copy())
    return model, spend


def main() -> None:
    model, spend = build_model()
    model.set_goal_mode("sequential")
    print(model.summary())
    model.prepare_goal_programming()
    print(model.summary())

    solution = LXOptimizer().use_solver("ortools").solve(model)
    print(f"Status: {solution.status}")
    print(f"Objective (final stage): {solution.objective_value:.4f}")
    print("Stages:")
    for stage in solution.goal_stages:
        print(f"  priority {stage.priority}: {stage.objective_value:.4f} ({stage.status})")
    values = solution.get_variable(spend)
    for channel in CHANNELS:
        print(f"  {channel.code:<7s} {values[channel.code]:9.4f}")
    total_reach = sum(values[c.code] * c.reach_per_k for c in CHANNELS)
    print(f"Reach: {total_reach:.4f}")
    for name in ("reach", "tv_cap", "radio_min", "online_cap"):
        deviations = solution.get_goal_deviations(name)
        print(
            f"  {name:<11s} pos {deviations['pos'][name]:9.4f} neg {deviations['neg'][name]:9.4f}"
            f" satisfied {solution.is_goal_satisfied(name)} total {solution.get_total_deviation(name):.4f}"
        )


if __name__ == "__main__":
    main()
