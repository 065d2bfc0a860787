/// The version every gosgate executable reports; `make deb` reads it from here.
public enum GosgateVersion {
    public static let current = "0.1.0"
}
