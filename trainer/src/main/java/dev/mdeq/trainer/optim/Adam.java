package dev.mdeq.trainer.optim;

import ai.djl.ndarray.NDArray;

/**
 * {@code torch.optim.Adam}: L2 weight decay added to the gradient (not AdamW), bias correction,
 * betas (0.9, 0.999), eps 1e-8 added after the bias-corrected square root. Buffers
 * {@code exp_avg} and {@code exp_avg_sq} per parameter.
 */
public final class Adam extends Optimizer {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    private final double weightDecay;

    public Adam(double weightDecay) {
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(String name, NDArray parameter, NDArray gradient, double lr, long step) {
        NDArray g = weightDecay != 0 ? gradient.add(parameter.mul(weightDecay)) : gradient;
        boolean[] created = new boolean[1];
        NDArray expAvg = buffer(name, "exp_avg", parameter, created);
        NDArray expAvgSq = buffer(name, "exp_avg_sq", parameter, created);
        // exp_avg.lerp_(g, 1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        expAvg.addi(g.sub(expAvg).muli(1 - BETA1));
        expAvgSq.muli(BETA2).addi(g.mul(g).muli(1 - BETA2));
        double biasCorrection1 = 1 - Math.pow(BETA1, step);
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(BETA2, step));
        double stepSize = lr / biasCorrection1;
        NDArray denominator = expAvgSq.sqrt().divi(biasCorrection2Sqrt).addi(EPS);
        parameter.subi(expAvg.div(denominator).muli(stepSize));
    }
}
