/**
 * Pod templates of MdeqTrainingJobs (spec.trainer.podTemplate, spec.evaluation.podTemplate,
 * spec.evaluation.mergePodTemplate): parsed, checked against what the operator owns and merged onto the
 * pods it generates.
 */
package dev.mdeq.operator.podtemplate;
