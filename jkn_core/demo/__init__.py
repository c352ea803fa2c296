"""The synthetic demo Indonesia: geography, calibration figures and the generator."""
