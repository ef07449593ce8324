// Saving a plot or a whole view to a file: PNG, PDF or SVG chosen by the file's extension, and
// a right-click "Export as..." menu any QCustomPlot can get. Qt only; knows nothing of the engine
// or store.
// SVG needs Qt 6 Svg: built with MOE_HAVE_QT_SVG (and Qt6::Svg linked), otherwise exportPlot
// reports SVG as unsupported instead of writing a file.
#pragma once

#include <QString>

class QCustomPlot;
class QWidget;

namespace moe::widgets {

// Whether this build can write SVG (Qt 6 Svg was found).
bool svgExportSupported();

// Writes `plot` to `path` at its current on-screen size: .png, .pdf or .svg (case-insensitive).
// Returns false with a readable reason in `*error` (when given) on an unknown extension, an
// unsupported format or a write failure. Never throws.
bool exportPlot(QCustomPlot* plot, const QString& path, QString* error = nullptr);

// Writes any widget (a whole view with its controls and several plots) to `path`: .png, .pdf
// or .svg at the widget's current size. QCustomPlots inside it are drawn through their own
// painter path, so in PDF and SVG they stay vector (and in every format show their current data
// even when the widget was never shown). A QCustomPlot passed directly goes to exportPlot.
// Same error reporting as exportPlot.
bool exportWidget(QWidget* widget, const QString& path, QString* error = nullptr);

// Adds a right-click menu to `plot` with "Export as PNG...", "Export as PDF..." and (when
// supported) "Export as SVG...", each asking for a file name and showing a warning on failure.
// Replaces the plot's context-menu policy with Qt::CustomContextMenu.
void addExportContextMenu(QCustomPlot* plot);

}  // namespace moe::widgets
