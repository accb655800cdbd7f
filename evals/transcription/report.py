"""Write evals/reports/transcription.md from the JSON results of evaluate.py and bench.py."""
