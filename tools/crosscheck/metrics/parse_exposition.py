"""Parses a Prometheus text exposition (stdin) with prometheus_client's own parser.

Prints one JSON object: {"families": [{"name", "type", "help", "samples": [{"name", "labels", "value"}]}]}.
Exits 1 (with the parser's complaint on stderr) when the text is not valid exposition
format, so the Swift test fails on anything a real Prometheus scraper would refuse.
"""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    text = sys.stdin.read()
    try:
        families = [
            {
                "name": family.name,
                "type": family.type,
                "help": family.documentation,
                "samples": [
                    {"name": sample.name, "labels": dict(sample.labels),
                     "value": None if math.isnan(sample.value) else sample.value}
                    for sample in family.samples
                ],
            }
            for family in text_string_to_metric_families(text)
        ]
    except Exception as error:  # the parser raises ValueError and friends on malformed lines
        print(f"not Prometheus text format: {error!r}", file=sys.stderr)
        return 1
    json.dump({"families": families}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
