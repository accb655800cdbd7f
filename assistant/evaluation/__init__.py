"""Scoring drafts against labelled calls (contract section 5), with cross-validation of anything
trained on the same calls, and reports in JSON and Markdown."""
