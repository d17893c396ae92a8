package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.config.DeqConfig;
import dev.mdeq.model.solver.SolverStats;

/**
 * What one training step did.
 *
 * @param mode unrolled (pretraining) or equilibrium
 * @param grad the gradient through the equilibrium (null in unrolled mode)
 * @param loss the loss value
 * @param logits the head's output without graph, owned by the caller's (the images') manager
 * @param forwardStats the forward solve's statistics (null in unrolled mode)
 * @param backwardStats the adjoint solve's statistics (implicit gradient only, else null)
 * @param seconds where the time went
 */
public record TrainStep(MdeqModel.Mode mode, DeqConfig.GradMode grad, double loss, NDArray logits,
        SolverStats forwardStats, SolverStats backwardStats, Seconds seconds) {

    /**
     * Wall-clock seconds of a step.
     *
     * @param total the whole step
     * @param forwardSolve the forward equilibrium solve
     * @param backwardSolve the adjoint solve (its vector-Jacobian products included)
     * @param backward everything from the loss backward to the end (head, adjoint solve, parameters)
     */
    public record Seconds(double total, double forwardSolve, double backwardSolve, double backward) {
    }

    static TrainStep of(MdeqModel.Mode mode, DeqConfig.GradMode grad, NDArray loss, NDArray logits, NDManager caller,
            SolverStats forwardStats, SolverStats backwardStats, Seconds seconds) {
        NDArray detached = logits.stopGradient();
        NDScope.unregister(detached);
        detached.attach(caller);
        return new TrainStep(mode, grad, scalar(loss), detached, forwardStats, backwardStats, seconds);
    }

    /** The value of a one-element array of any floating type. */
    static double scalar(NDArray array) {
        return array.getDataType() == DataType.FLOAT64 ? array.toDoubleArray()[0] : array.toFloatArray()[0];
    }
}
