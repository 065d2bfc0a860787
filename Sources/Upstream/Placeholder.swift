public enum UpstreamPlaceholder {}
