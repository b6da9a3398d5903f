"""What the model must answer: pydantic models sent as a JSON schema (``method="json_schema"``).

Every field is required and has a description: OpenAI's strict structured output needs both. Lengths are not
in the schema (strict mode ignores ``maxLength``); ``insights.validate`` caps them in code.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ModelRisk(BaseModel):
    """A risk to the deal that the activity text shows."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="The risk in a few words, e.g. 'Budget not approved'.")
    detail: str = Field(description="One or two sentences: what in the activities shows this risk.")
    activity_ids: list[str] = Field(
        description="Ids of the activities (from the data) this risk rests on; empty if none."
    )


class BuyerGoal(BaseModel):
    """Something the buyer wants to achieve."""

    model_config = ConfigDict(extra="forbid")

    goal: str = Field(description="The buyer's goal in one sentence, in their terms.")
    activity_ids: list[str] = Field(description="Ids of the activities (from the data) that state this goal.")


class InsightOutput(BaseModel):
    """Deal insights read from the deal's recent activities."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(description="At most four sentences about recent activity and what is next.")
    risks: list[ModelRisk] = Field(description="Risks read in the activity text, most serious first.")
    buyer_goals: list[BuyerGoal] = Field(description="The buyer's goals, most important first.")
