package io.ctflow.schemas.registry;

/** No registry URL answered, after every retry: the registry is down, unreachable, or refuses TLS. */
public final class RegistryUnreachableException extends RegistryException {
    private static final long serialVersionUID = 1L;

    public RegistryUnreachableException(String message, Throwable cause) {
        super(0, 0, null, message, cause);
    }
}
