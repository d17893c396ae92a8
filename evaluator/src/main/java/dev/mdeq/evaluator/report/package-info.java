/**
 * The evaluation report: {@link dev.mdeq.evaluator.report.EvalReport} ({@code report.json}, whose
 * headline the operator reads as {@link dev.mdeq.runstore.run.ReportSummary}), the self-contained
 * {@code report.html} with JFreeChart charts, and {@link dev.mdeq.evaluator.report.ReportWriter},
 * which writes both into the run folder.
 */
package dev.mdeq.evaluator.report;
