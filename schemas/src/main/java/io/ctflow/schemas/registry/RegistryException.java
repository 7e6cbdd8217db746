package io.ctflow.schemas.registry;

/**
 * An error answer from a schema registry, keyed off the HTTP status and carrying the registry's
 * {@code error_code} and {@code message} from the JSON body (Confluent REST API conventions, which
 * Apicurio's ccompat API, Karapace and Redpanda follow).
 */
public class RegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Subject not found (HTTP 404). */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Version not found (HTTP 404). */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Schema not found (HTTP 404). */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Subject was soft-deleted (HTTP 404). */
    public static final int SUBJECT_SOFT_DELETED = 40404;
    /** Permanent delete of a subject that was not soft-deleted first (HTTP 404). */
    public static final int SUBJECT_NOT_SOFT_DELETED = 40405;
    /** Permanent delete of a version that was not soft-deleted first (HTTP 404). */
    public static final int VERSION_NOT_SOFT_DELETED = 40407;
    /** The subject has no subject-level compatibility (HTTP 404). */
    public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    /**
     * Incompatible schema (HTTP 409). Older Confluent releases, Karapace and Redpanda send 409;
     * newer Confluent releases send 40901. Check {@link #isIncompatible()} rather than the code.
     */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** Invalid schema or schema type (HTTP 422). */
    public static final int INVALID_SCHEMA = 42201;
    /** Invalid version (HTTP 422). */
    public static final int INVALID_VERSION = 42202;
    /** Invalid compatibility level (HTTP 422). */
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    /** Error in the backend store (HTTP 500). */
    public static final int STORE_ERROR = 50001;

    private final int status;
    private final int errorCode;
    private final String serverMessage;

    public RegistryException(int status, int errorCode, String serverMessage, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
        this.serverMessage = serverMessage;
    }

    /** HTTP status of the answer; 0 when no registry answered. */
    public int status() {
        return status;
    }

    /** The registry's {@code error_code} (the HTTP status when the body had none). */
    public int errorCode() {
        return errorCode;
    }

    /** The registry's {@code message}, as it sent it. */
    public String serverMessage() {
        return serverMessage;
    }

    public boolean isNotFound() {
        return status == 404;
    }

    public boolean isIncompatible() {
        return status == 409;
    }
}
