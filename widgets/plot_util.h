// Small QCustomPlot helpers the views share, so ticks, titles and fonts look the same in each.
// Include from .cpp files only (it pulls in qcustomplot.h); no engine types.
#pragma once

#include <qcustomplot.h>

#include <QFont>
#include <QString>
#include <algorithm>

namespace moe::widgets::plotutil {

// Ticks at whole numbers only (steps, experts, layers, ranks): the default ticker happily puts
// a tick at expert 2.5.
class WholeTicker : public QCPAxisTicker {
protected:
    double getTickStep(const QCPRange& range) override {
        return std::max(1.0, QCPAxisTicker::getTickStep(range));
    }
    int getSubTickCount(double tickStep) override {
        return tickStep >= 2 && tickStep <= 10 ? static_cast<int>(tickStep) - 1 : 0;
    }
};

inline QSharedPointer<QCPAxisTicker> wholeTicker() {
    return QSharedPointer<QCPAxisTicker>(new WholeTicker);
}

inline QFont smaller(QFont font, double by = 1) {
    font.setPointSizeF(std::max(7.0, font.pointSizeF() - by));
    return font;
}

inline QFont bold(QFont font) {
    font.setBold(true);
    return font;
}

// A title that belongs to one axis rect (its top axis' label, with the axis line and ticks
// hidden), so it moves with the rect when a layout shows or hides rects.
inline void setRectTitle(QCPAxisRect* rect, const QString& title, const QFont& font) {
    QCPAxis* top = rect->axis(QCPAxis::atTop);
    top->setVisible(true);
    top->setTicks(false);
    top->setTickLabels(false);
    top->setBasePen(Qt::NoPen);
    top->setLabelFont(bold(font));
    top->setLabelPadding(2);
    top->setLabel(title);
}

}  // namespace moe::widgets::plotutil
