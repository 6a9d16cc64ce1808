"""The access rule, below every feature: the roles, the field sets, the consent decisions,
the projection and the rule itself. It depends on the models only, never on a feature."""
