"""Collections of iuran arrears: delinquency features, the model, the branch work queue and outcomes."""
