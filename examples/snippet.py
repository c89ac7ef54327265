"""Flag sampling rounds where dissolved oxygen is low enough to stress fish.

Usage: python snippet.py river-dataset/readings.csv
"""

import csv
import sys

LOW_OXYGEN_MG_L = 5.0  # below this, trout and mayfly larvae suffer


def low_oxygen_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if float(row["dissolved_oxygen_mg_l"]) < LOW_OXYGEN_MG_L:
                yield row["site"], row["date"], float(row["dissolved_oxygen_mg_l"])


if __name__ == "__main__":
    for site, date, oxygen in low_oxygen_rows(sys.argv[1]):
        print(f"{date}  {site:<22} {oxygen:.1f} mg/L")
