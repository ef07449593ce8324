// One palette for every view, so a predictor or a strategy keeps its colour from the error
// curves to the comparison table to the strategy map, and overlays of stored runs read as
// "the same thing, from before" (same family, dashed). Header-only, Qt Gui types only.
#pragma once

#include <QColor>
#include <QPen>

namespace moe::widgets::palette {

// Tableau 10: distinct at small sizes and for the common colour-vision deficiencies, and dark
// enough that white text on it stays readable (strategy map cells).
inline QColor series(int index) {
    static const QColor kColours[] = {
        QColor(31, 119, 180),  QColor(214, 39, 40), QColor(44, 160, 44),   QColor(255, 127, 14),
        QColor(148, 103, 189), QColor(140, 86, 75), QColor(227, 119, 194), QColor(127, 127, 127),
        QColor(188, 189, 34),  QColor(23, 190, 207)};
    const int n = static_cast<int>(sizeof(kColours) / sizeof(kColours[0]));
    return kColours[((index % n) + n) % n];
}

// Overlays (stored runs) cycle through the palette backwards from its end, so the first overlay
// does not take the colour of the first live predictor.
inline QColor overlay(int index) { return series(9 - index); }

inline QPen seriesPen(int index, double width = 1.4) { return QPen(series(index), width); }

inline QPen overlayPen(int index, double width = 1.4) {
    QPen pen(overlay(index), width);
    pen.setStyle(Qt::DashLine);
    return pen;
}

// Fixed meanings used across views.
inline QColor balancedness() { return QColor(200, 80, 40); }
inline QColor skewness() { return QColor(90, 90, 160); }
inline QColor modelled() { return QColor(31, 119, 180); }
inline QColor measured() { return QColor(214, 39, 40); }
inline QColor rows() { return QColor(70, 130, 180); }
inline QColor busy() { return QColor(230, 150, 50); }

// Whether black or white text reads better on `background` (perceived luminance).
inline QColor textOn(const QColor& background) {
    const double y =
        0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue();
    return y > 150 ? QColor(20, 20, 20) : QColor(255, 255, 255);
}

}  // namespace moe::widgets::palette
