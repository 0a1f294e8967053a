import DurableFiles
import FerryState
import FerryXML

/// How the engine treats an error a task threw.
enum FailureClass: Equatable {
    case badInput, transient, unclassified

    init(_ error: any Error) {
        switch error {
        case let error as TaskError:
            if case .badInput = error { self = .badInput } else { self = .transient }
        case let error as any RetryClassifying:
            self = error.isTransient ? .transient : .badInput
        case is XMLWriteError:
            // An output could not be written (disk full): the place's fault, not the input's.
            self = .transient
        case is XMLError:
            self = .badInput
        case is Durable.Failure, is StateStoreError:
            self = .transient
        default:
            self = .unclassified
        }
    }
}
