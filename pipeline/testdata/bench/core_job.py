"""The core of Accord's weekly job in pandas, as a baseline for make bench.

Reads the demo exports Accord's value index needs most, computes four
indicators per customer over the 12 months to the as-of date (revenue,
activities, service effort, NPS), ranks each as a percentile, sums them with
equal weights and deals tiers A/B/C/D at 20/30/30/20 %. Messy values are
coerced as a careful analyst would (thousands separators and currency signs
stripped, unparseable dates and numbers dropped). It writes nothing: the
time is the job's.

usage: python3 core_job.py DEMO_DIR AS_OF
"""
import sys

import pandas as pd


def money(s):
    return pd.to_numeric(s.astype(str).str.replace(r"[,¥$€\s]", "", regex=True), errors="coerce")


def main(demo, as_of):
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    start = end - pd.DateOffset(months=12)

    def window(df, col):
        t = pd.to_datetime(df[col], format="mixed", errors="coerce")
        return df[(t >= start) & (t < end)]

    customers = pd.read_excel(f"{demo}/customers.xlsx", dtype=str)
    ids = customers.iloc[:, 0].dropna().drop_duplicates()
    billing = window(pd.read_csv(f"{demo}/billing_lines.csv", dtype=str), "issued_at")
    activities = window(pd.read_csv(f"{demo}/activities.csv", dtype=str), "occurred_at")
    tickets = window(pd.read_csv(f"{demo}/tickets.csv", dtype=str), "opened_at")
    surveys = window(pd.read_csv(f"{demo}/surveys.csv", dtype=str, encoding="utf-8-sig"), "answered_at")

    ind = pd.DataFrame(index=pd.Index(ids, name="customer_id"))
    ind["revenue"] = money(billing["amount"]).groupby(billing["customer_id"]).sum()
    ind["activities"] = activities.groupby("customer_id").size()
    ind["effort"] = pd.to_numeric(tickets["effort_hours"], errors="coerce").groupby(tickets["customer_id"]).sum()
    ind["nps"] = pd.to_numeric(surveys["nps"], errors="coerce").groupby(surveys["customer_id"]).mean()
    ind = ind.fillna({"revenue": 0, "activities": 0, "effort": 0})

    score = (ind["revenue"].rank(pct=True) + ind["activities"].rank(pct=True)
             + (1 - ind["effort"].rank(pct=True)) + ind["nps"].rank(pct=True).fillna(0.5)) / 4
    rank = score.rank(ascending=False, method="first", pct=True)
    tiers = pd.cut(rank, [0, 0.2, 0.5, 0.8, 1.0], labels=["A", "B", "C", "D"])
    print(tiers.value_counts().sort_index().to_dict())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
