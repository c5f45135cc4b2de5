namespace CoServe.Features.ServiceOfficer.Evaluation;

/// <summary>Scores against binary labels: ROC AUC and the threshold with the best accuracy (and its F1).</summary>
public static class BinaryMetrics
{
    /// <summary>Probability that a random positive scores above a random negative (ties count half).</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var pairs = scores.Zip(labels).OrderBy(p => p.First).ToList();
        long positives = pairs.Count(p => p.Second), negatives = pairs.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double rankSum = 0;
        var i = 0;
        while (i < pairs.Count)
        {
            var j = i;
            while (j + 1 < pairs.Count && pairs[j + 1].First == pairs[i].First) j++;
            var averageRank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                if (pairs[k].Second) rankSum += averageRank;
            }
            i = j + 1;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }

    public static (double Threshold, double Accuracy, double F1) BestThreshold(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var candidates = scores.Distinct().Order().ToList();
        candidates.Add(double.PositiveInfinity);
        (double T, double Acc, double F1) best = (0, -1, 0);
        foreach (var t in candidates)
        {
            int tp = 0, fp = 0, fn = 0, tn = 0;
            for (var k = 0; k < scores.Count; k++)
            {
                var predicted = scores[k] >= t;
                if (predicted && labels[k]) tp++;
                else if (predicted) fp++;
                else if (labels[k]) fn++;
                else tn++;
            }
            var acc = (double)(tp + tn) / Math.Max(1, scores.Count);
            var f1 = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
            if (acc > best.Acc || (acc == best.Acc && f1 > best.F1)) best = (t, acc, f1);
        }
        return best;
    }

    /// <summary>Accuracy and macro-averaged F1 over the labels that occur in truth or prediction.</summary>
    public static (double Accuracy, double MacroF1, IReadOnlyList<(string Label, double Precision, double Recall, double F1, int Support)> PerLabel)
        Multiclass(IReadOnlyList<string> truth, IReadOnlyList<string> predicted)
    {
        var labels = truth.Concat(predicted).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var per = new List<(string, double, double, double, int)>();
        foreach (var l in labels)
        {
            int tp = 0, fp = 0, fn = 0;
            for (var i = 0; i < truth.Count; i++)
            {
                var t = truth[i] == l;
                var p = predicted[i] == l;
                if (t && p) tp++;
                else if (p) fp++;
                else if (t) fn++;
            }
            var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
            var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            per.Add((l, precision, recall, f1, tp + fn));
        }
        var accuracy = truth.Count == 0 ? 0 : (double)truth.Zip(predicted).Count(x => x.First == x.Second) / truth.Count;
        return (accuracy, per.Count == 0 ? 0 : per.Average(p => p.Item4), per);
    }
}
