package dev.mdeq.config;

/**
 * An experiment configuration that cannot be used. The message names the source (file, override
 * list or resource field), the dotted key and what would be valid.
 */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
