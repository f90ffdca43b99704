"""The printable pocket card: the core rules and the mission's reporting contacts, folded to
fit a pocket, in each of the module's languages."""
