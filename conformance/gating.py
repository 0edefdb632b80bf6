"""pytest plugin: exit status from verdicts (--fail-on) and allure labels from case markers."""
